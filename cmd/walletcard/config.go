package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/pflag"
	"go.yaml.in/yaml/v3"

	card "github.com/walletcard/card"
)

// fileConfig is the config file (YAML). Secrets may be given inline or,
// better, as files (the *_file keys).
type fileConfig struct {
	Alipay struct {
		AppID               string `yaml:"app_id"`
		PrivateKey          string `yaml:"private_key"`
		PrivateKeyFile      string `yaml:"private_key_file"`
		AlipayPublicKey     string `yaml:"alipay_public_key"`
		AlipayPublicKeyFile string `yaml:"alipay_public_key_file"`
		Sandbox             *bool  `yaml:"sandbox"`
		BaseURL             string `yaml:"base_url"`
	} `yaml:"alipay"`
	WeChat struct {
		AppID          string `yaml:"app_id"`
		AppSecret      string `yaml:"app_secret"`
		AppSecretFile  string `yaml:"app_secret_file"`
		PushToken      string `yaml:"push_token"`
		PushTokenFile  string `yaml:"push_token_file"`
		PushAESKey     string `yaml:"push_aes_key"`
		PushAESKeyFile string `yaml:"push_aes_key_file"`
		BaseURL        string `yaml:"base_url"`
		QRImageBaseURL string `yaml:"qr_image_base_url"`
	} `yaml:"wechat"`
	Ledger struct {
		DB string `yaml:"db"`
	} `yaml:"ledger"`
}

// setting is one configuration value and where it came from. Secret values
// are never printed: String shows only whether they are set and their source.
type setting struct {
	Value  string
	Source string // "flag --x", "env X", "file PATH", "fake", "default"
	Secret bool
}

func (s setting) set() bool { return s.Value != "" }

// Config is the resolved configuration of one command.
type Config struct {
	Dir      string // the config directory (state file, default ledger)
	File     string // the config file read ("" if none)
	Alipay   alipayConfig
	WeChat   wechatConfig
	LedgerDB setting
}

type alipayConfig struct {
	AppID, PrivateKey, PublicKey, BaseURL, Sandbox setting
}

type wechatConfig struct {
	AppID, AppSecret, PushToken, PushAESKey, BaseURL, QRImageBaseURL setting
}

func (c alipayConfig) configured() bool { return c.AppID.set() }
func (c wechatConfig) configured() bool { return c.AppID.set() }

// secrets lists every secret value in the configuration, for the test hook.
func (c *Config) secrets() []string {
	var out []string
	for _, s := range []setting{c.Alipay.PrivateKey, c.WeChat.AppSecret, c.WeChat.PushToken, c.WeChat.PushAESKey} {
		if s.Value != "" {
			out = append(out, s.Value)
		}
	}
	return out
}

// rows describes the configuration for `walletcard config`: secrets appear as
// "set"/"not set" with their source, never their value.
func (c *Config) rows() [][]string {
	show := func(key string, s setting) []string {
		v := s.Value
		switch {
		case s.Secret && v != "":
			v = "(set)"
		case v == "":
			v = "(not set)"
		}
		return []string{key, v, s.Source}
	}
	return [][]string{
		show("alipay.app_id", c.Alipay.AppID),
		show("alipay.private_key", c.Alipay.PrivateKey),
		show("alipay.alipay_public_key", c.Alipay.PublicKey),
		show("alipay.sandbox", c.Alipay.Sandbox),
		show("alipay.base_url", c.Alipay.BaseURL),
		show("wechat.app_id", c.WeChat.AppID),
		show("wechat.app_secret", c.WeChat.AppSecret),
		show("wechat.push_token", c.WeChat.PushToken),
		show("wechat.push_aes_key", c.WeChat.PushAESKey),
		show("wechat.base_url", c.WeChat.BaseURL),
		show("wechat.qr_image_base_url", c.WeChat.QRImageBaseURL),
		show("ledger.db", c.LedgerDB),
	}
}

// configSource resolves values flag > environment > file > default.
type configSource struct {
	flags   *pflag.FlagSet
	getenv  func(string) string
	path    string
	fileDir string
}

// pick returns the first of: the flag (if changed), the env var, the inline
// file value, the file named by the file's *_file key. For secrets a flag or
// env var ending in _FILE / -file names a file to read.
func (s configSource) pick(flag, env string, fileVal, fileRef string, secret bool) (setting, error) {
	if flag != "" {
		if f := s.flags.Lookup(flag); f != nil && f.Changed {
			v := f.Value.String()
			if strings.HasSuffix(flag, "-file") {
				b, err := readSecretFile(v, "--"+flag)
				return setting{Value: b, Source: "flag --" + flag, Secret: secret}, err
			}
			return setting{Value: v, Source: "flag --" + flag, Secret: secret}, nil
		}
	}
	if env != "" {
		if v := s.getenv(env); v != "" {
			return setting{Value: v, Source: "env " + env, Secret: secret}, nil
		}
		if secret {
			if p := s.getenv(env + "_FILE"); p != "" {
				b, err := readSecretFile(p, env+"_FILE")
				return setting{Value: b, Source: "env " + env + "_FILE", Secret: secret}, err
			}
		}
	}
	if fileVal != "" {
		return setting{Value: fileVal, Source: "file " + s.path, Secret: secret}, nil
	}
	if fileRef != "" {
		p := fileRef
		if !filepath.IsAbs(p) {
			p = filepath.Join(s.fileDir, p)
		}
		b, err := readSecretFile(p, "config file")
		return setting{Value: b, Source: "file " + p, Secret: secret}, err
	}
	return setting{Source: "default", Secret: secret}, nil
}

// readSecretFile reads a secret from a file; errors name the file, never its content.
func readSecretFile(path, what string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", &card.Error{Provider: "walletcard", Op: "config", Kind: card.KindInvalidArgument, Field: what, Message: fmt.Sprintf("cannot read %s: %v", path, errors.Unwrap(err))}
	}
	return strings.TrimSpace(string(b)), nil
}

// configDir is $WALLETCARD_CONFIG_DIR, else os.UserConfigDir()/walletcard.
func configDir(getenv func(string) string) (string, error) {
	if d := getenv("WALLETCARD_CONFIG_DIR"); d != "" {
		return d, nil
	}
	if d := getenv("XDG_CONFIG_HOME"); d != "" {
		return filepath.Join(d, "walletcard"), nil
	}
	d, err := os.UserConfigDir()
	if err != nil {
		return "", &card.Error{Provider: "walletcard", Op: "config", Kind: card.KindInvalidArgument, Field: "WALLETCARD_CONFIG_DIR", Message: "no config directory: set WALLETCARD_CONFIG_DIR or HOME"}
	}
	return filepath.Join(d, "walletcard"), nil
}

// loadConfig resolves the configuration from flags, environment and file.
func loadConfig(flags *pflag.FlagSet, getenv func(string) string) (*Config, error) {
	dir, err := configDir(getenv)
	if err != nil {
		return nil, err
	}
	c := &Config{Dir: dir}
	path, explicit := "", false
	if f := flags.Lookup("config"); f != nil && f.Changed {
		path, explicit = f.Value.String(), true
	} else if p := getenv("WALLETCARD_CONFIG"); p != "" {
		path, explicit = p, true
	} else {
		path = filepath.Join(dir, "config.yaml")
	}
	fc := &fileConfig{}
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		dec := yaml.NewDecoder(strings.NewReader(string(b)))
		dec.KnownFields(true)
		if err := dec.Decode(fc); err != nil && !errors.Is(err, io.EOF) {
			return nil, &card.Error{Provider: "walletcard", Op: "config", Kind: card.KindInvalidArgument, Field: "config", Message: fmt.Sprintf("config file %s: %s", path, yamlErrorSummary(err))}
		}
		c.File = path
	case explicit || !errors.Is(err, os.ErrNotExist):
		return nil, &card.Error{Provider: "walletcard", Op: "config", Kind: card.KindInvalidArgument, Field: "config", Message: fmt.Sprintf("cannot read config file %s: %v", path, errors.Unwrap(err))}
	}
	s := configSource{flags: flags, getenv: getenv, path: path, fileDir: filepath.Dir(path)}
	a, w := &fc.Alipay, &fc.WeChat
	var errs []error
	p := func(dst *setting, flag, env, fileVal, fileRef string, secret bool) {
		v, err := s.pick(flag, env, fileVal, fileRef, secret)
		*dst = v
		if err != nil {
			errs = append(errs, err)
		}
	}
	p(&c.Alipay.AppID, "alipay-app-id", "WALLETCARD_ALIPAY_APP_ID", a.AppID, "", false)
	p(&c.Alipay.PrivateKey, "alipay-private-key-file", "WALLETCARD_ALIPAY_PRIVATE_KEY", a.PrivateKey, a.PrivateKeyFile, true)
	p(&c.Alipay.PublicKey, "alipay-public-key-file", "WALLETCARD_ALIPAY_PUBLIC_KEY", a.AlipayPublicKey, a.AlipayPublicKeyFile, false)
	p(&c.Alipay.BaseURL, "alipay-base-url", "WALLETCARD_ALIPAY_BASE_URL", a.BaseURL, "", false)
	sandbox := ""
	if a.Sandbox != nil {
		sandbox = fmt.Sprint(*a.Sandbox)
	}
	p(&c.Alipay.Sandbox, "alipay-sandbox", "WALLETCARD_ALIPAY_SANDBOX", sandbox, "", false)
	p(&c.WeChat.AppID, "wechat-app-id", "WALLETCARD_WECHAT_APP_ID", w.AppID, "", false)
	p(&c.WeChat.AppSecret, "wechat-app-secret-file", "WALLETCARD_WECHAT_APP_SECRET", w.AppSecret, w.AppSecretFile, true)
	p(&c.WeChat.PushToken, "wechat-push-token-file", "WALLETCARD_WECHAT_PUSH_TOKEN", w.PushToken, w.PushTokenFile, true)
	p(&c.WeChat.PushAESKey, "wechat-push-aes-key-file", "WALLETCARD_WECHAT_PUSH_AES_KEY", w.PushAESKey, w.PushAESKeyFile, true)
	p(&c.WeChat.BaseURL, "wechat-base-url", "WALLETCARD_WECHAT_BASE_URL", w.BaseURL, "", false)
	p(&c.WeChat.QRImageBaseURL, "wechat-qr-image-base-url", "WALLETCARD_WECHAT_QR_IMAGE_BASE_URL", w.QRImageBaseURL, "", false)
	p(&c.LedgerDB, "db", "WALLETCARD_LEDGER_DB", fc.Ledger.DB, "", false)
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return c, nil
}

// yamlErrorSummary keeps the line numbers of a YAML error but drops any
// quoted value, which could be (part of) a secret.
func yamlErrorSummary(err error) string {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		var lines []string
		for _, e := range te.Errors {
			if i := strings.Index(e, ":"); i > 0 && strings.HasPrefix(e, "line ") {
				lines = append(lines, e[:i])
			}
		}
		return "wrong type or unknown key at " + strings.Join(lines, ", ") + " (see `walletcard config --help`)"
	}
	msg := err.Error()
	if i := strings.Index(msg, "`"); i > 0 {
		msg = strings.TrimSpace(msg[:i]) + " …"
	}
	return msg
}
