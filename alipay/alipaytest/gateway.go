package alipaytest

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/walletcard/card/driver"
)

// Limits on what the gateway reads.
const (
	maxBodyBytes     = 64 << 20 // video uploads may be 50 MB
	maxMemoryBytes   = 8 << 20
	maxImageBytes    = 5 << 20
	maxVideoBytes    = 50 << 20
	maxSignatureSize = 344
)

// apiError is a failure answer: code, msg, sub_code, sub_msg.
type apiError struct {
	Code, Msg, SubCode, SubMsg string
	// unsigned answers as {"error_response":{…}} without a signature.
	unsigned bool
}

func (e *apiError) Error() string { return e.Code + " " + e.SubCode + ": " + e.SubMsg }

// codeMsg returns the msg Alipay sends with a public code.
func codeMsg(code string) string {
	switch code {
	case "10000":
		return "Success"
	case "20000":
		return "Service Currently Unavailable"
	case "20001":
		return "Insufficient Token Permissions"
	case "40001":
		return "Missing Required Arguments"
	case "40002":
		return "Invalid Arguments"
	case "40003":
		return "Insufficient Conditions"
	case "40004":
		return "Business Failed"
	case "40005":
		return "Call Limited" // the real text is not documented
	case "40006":
		return "Insufficient Permissions"
	}
	return "Unknown Error"
}

// gatewayError is an unsigned error_response, as the gateway answers requests
// it rejects before they reach a method.
func gatewayError(code, subCode, subMsg string) *apiError {
	return &apiError{Code: code, Msg: codeMsg(code), SubCode: subCode, SubMsg: subMsg, unsigned: true}
}

// bizFail is a signed 40004 business failure.
func bizFail(subCode, format string, args ...any) *apiError {
	return &apiError{Code: "40004", Msg: codeMsg("40004"), SubCode: subCode, SubMsg: fmt.Sprintf(format, args...)}
}

// invalidParam is the card methods' 40004 INVALID_PARAMETER.
func invalidParam(format string, args ...any) *apiError {
	return bizFail("INVALID_PARAMETER", format, args...)
}

// tokenError is a signed 20001 answer.
func tokenError(subCode, subMsg string) *apiError {
	return &apiError{Code: "20001", Msg: codeMsg("20001"), SubCode: subCode, SubMsg: subMsg}
}

// field is one member of an ordered JSON object.
type field struct {
	k string
	v any
}

// node is a JSON object that keeps its member order, like Alipay's responses
// ("code" and "msg" first).
type node []field

// MarshalJSON writes the members in order.
func (n node) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(f.k)
		if err != nil {
			return nil, err
		}
		v, err := json.Marshal(f.v)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// add appends k=v when v is not an empty string.
func (n node) add(k string, v string) node {
	if v == "" {
		return n
	}
	return append(n, field{k, v})
}

// success starts a "10000 Success" node.
func success() node { return node{{"code", "10000"}, {"msg", "Success"}} }

// request is a parsed, verified gateway request.
type request struct {
	method string
	params url.Values
	files  map[string][]upload
	biz    string // raw biz_content, "" if absent
	now    time.Time
}

// upload is a multipart file part, read before the server lock is taken.
type upload struct {
	size int64  // declared size
	data []byte // at most maxVideoBytes+1 bytes; nil when size is larger
	err  error  // reading failed
}

// readUploads reads the file parts of form (outside the server lock: temp
// files may be slow).
func readUploads(form *multipart.Form) map[string][]upload {
	if form == nil || len(form.File) == 0 {
		return nil
	}
	out := make(map[string][]upload, len(form.File))
	for name, fhs := range form.File {
		for _, fh := range fhs {
			u := upload{size: fh.Size}
			if fh.Size <= maxVideoBytes {
				f, err := fh.Open()
				if err == nil {
					u.data, err = io.ReadAll(io.LimitReader(f, maxVideoBytes+1))
					_ = f.Close()
				}
				u.err = err
			}
			out[name] = append(out[name], u)
		}
	}
	return out
}

// param returns a top-level parameter.
func (r *request) param(k string) string { return r.params.Get(k) }

// parseRequest merges the URL query, an urlencoded body and multipart fields
// into one set of parameters. A parameter given twice is an error. File parts
// are returned separately; they are never signed.
// The caller must call RemoveAll on a non-nil form when done. On error the
// parameters read so far are returned too (for call counting).
func parseRequest(r *http.Request) (url.Values, *multipart.Form, error) {
	out := url.Values{}
	merge := func(v url.Values) error {
		for k, vs := range v {
			if len(vs) != 1 || out.Has(k) {
				return fmt.Errorf("parameter %q given more than once", k)
			}
			out.Set(k, vs[0])
		}
		return nil
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return out, nil, fmt.Errorf("bad query: %v", err)
	}
	if err := merge(q); err != nil {
		return out, nil, err
	}
	var mform *multipart.Form
	if r.Method == http.MethodPost || r.Method == http.MethodPut {
		ct, ctParams, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		switch ct {
		case "application/x-www-form-urlencoded", "":
			body, err := io.ReadAll(r.Body)
			if err != nil {
				return out, nil, fmt.Errorf("reading body: %v", err)
			}
			if ct == "" && len(body) > 0 {
				return out, nil, errors.New("body without Content-Type")
			}
			bv, err := url.ParseQuery(string(body))
			if err != nil {
				return out, nil, fmt.Errorf("bad form body: %v", err)
			}
			if err := merge(bv); err != nil {
				return out, nil, err
			}
		case "multipart/form-data":
			boundary := ctParams["boundary"]
			if boundary == "" {
				return out, nil, errors.New("multipart body without boundary")
			}
			form, err := multipart.NewReader(r.Body, boundary).ReadForm(maxMemoryBytes)
			if err != nil {
				return out, nil, fmt.Errorf("bad multipart body: %v", err)
			}
			if err := merge(form.Value); err != nil {
				_ = form.RemoveAll()
				return out, nil, err
			}
			mform = form
		default:
			return out, nil, fmt.Errorf("unsupported Content-Type %q", ct)
		}
	}
	return out, mform, nil
}

// signContent is the string a request signature covers: every non-empty
// parameter except sign, sorted by key, joined as raw key=value with "&".
// sign_type is included.
func signContent(p url.Values) string {
	keys := make([]string, 0, len(p))
	for k, v := range p {
		if k == "sign" || len(v) == 0 || v[0] == "" {
			continue
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(p.Get(k))
	}
	return b.String()
}

// verifyRequestSign checks an RSA2 signature over signContent(p).
func verifyRequestSign(pub *rsa.PublicKey, p url.Values) error {
	sig, err := base64.StdEncoding.DecodeString(p.Get("sign"))
	if err != nil {
		return err
	}
	sum := sha256.Sum256([]byte(signContent(p)))
	return rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig)
}

// checkCommon validates the common parameters of a parsed request and
// returns its biz_content, decrypted when it came AES-encrypted.
func (s *Server) checkCommon(p url.Values) (biz string, encrypted bool, e *apiError) {
	e = s.checkParams(p)
	if e != nil {
		return "", false, e
	}
	biz = p.Get("biz_content")
	if p.Get("encrypt_type") != "" && biz != "" {
		plain, err := aesDecrypt(s.aesKey, biz)
		if err != nil {
			return "", false, gatewayError("40002", "isv.invalid-encrypt", "解密出错: "+err.Error())
		}
		biz, encrypted = string(plain), true
	}
	if biz != "" {
		if !json.Valid([]byte(biz)) || !strings.HasPrefix(strings.TrimSpace(biz), "{") {
			return "", false, gatewayError("40002", "isv.invalid-parameter", "参数无效: biz_content must be a JSON object")
		}
	}
	return biz, encrypted, nil
}

// checkParams validates the common parameters and the request signature.
func (s *Server) checkParams(p url.Values) *apiError {
	for _, m := range []struct{ k, sub, text string }{
		{"method", "isv.missing-method", "缺少方法名参数"},
		{"sign", "isv.missing-signature", "缺少签名参数"},
		{"sign_type", "isv.missing-signature-type", "缺少签名类型参数"},
		{"app_id", "isv.missing-app-id", "缺少AppID参数"},
		{"timestamp", "isv.missing-timestamp", "缺少时间戳参数"},
		{"version", "isv.missing-version", "缺少版本参数"},
	} {
		if p.Get(m.k) == "" {
			return gatewayError("40001", m.sub, m.text)
		}
	}
	method := p.Get("method")
	if !knownMethod(method) {
		return gatewayError("40002", "isv.invalid-method", "不存在的方法名")
	}
	if p.Get("app_id") != s.appID {
		return gatewayError("40002", "isv.invalid-app-id", "无效的AppID参数")
	}
	if f := p.Get("format"); f != "" && !strings.EqualFold(f, "JSON") {
		return gatewayError("40002", "isv.invalid-format", "无效的数据格式")
	}
	if cs := p.Get("charset"); !strings.EqualFold(cs, "utf-8") {
		return gatewayError("40002", "isv.invalid-charset", "字符集错误")
	}
	if p.Get("sign_type") != "RSA2" {
		return gatewayError("40002", "isv.invalid-signature-type", "无效的签名类型")
	}
	if p.Get("version") != "1.0" {
		return gatewayError("40002", "isv.invalid-parameter", "参数无效: version")
	}
	ts, err := driver.ParseWalletTime(p.Get("timestamp"))
	if err != nil || !(within(ts, s.clock()) || within(ts, time.Now())) {
		return gatewayError("40002", "isv.invalid-timestamp", "非法的时间戳参数")
	}
	switch et := p.Get("encrypt_type"); {
	case et == "":
	case et != "AES":
		return gatewayError("40002", "isv.invalid-encrypt-type", "无效的加密类型")
	case s.aesKey == nil:
		return gatewayError("40002", "isv.decryption-error-not-valid-encrypt-key", "应用未配置接口内容加密密钥 (Options.AESKey)")
	}
	if e := s.checkCertParams(p.Get("app_cert_sn"), p.Get("alipay_root_cert_sn")); e != nil {
		return e
	}
	if len(p.Get("sign")) > maxSignatureSize {
		return gatewayError("40002", "isv.invalid-signature", "验签出错")
	}
	// A revoked app key (RevokeCredentials) fails like a wrong signature:
	// the request was signed with a key the gateway no longer trusts.
	if err := verifyRequestSign(s.appPub, p); err != nil || s.revoked.Load() {
		content := strings.ReplaceAll(signContent(p), "&", "&amp;")
		return gatewayError("40002", "isv.invalid-signature", "验签出错，建议检查签名字符串或签名私钥与应用公钥是否匹配，网关生成的验签字符串为："+content)
	}
	return nil
}

func within(ts, now time.Time) bool {
	d := ts.Sub(now)
	return d <= TimestampWindow && d >= -TimestampWindow
}

// handleGateway serves /gateway.do.
func (s *Server) handleGateway(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
	params, form, perr := parseRequest(r)
	if form != nil {
		defer func() { _ = form.RemoveAll() }()
	}
	files := readUploads(form)
	method := params.Get("method")
	s.mu.Lock()
	s.callsTotal++
	if method != "" {
		s.calls[method]++
	}
	h, hostile := s.takeHostile(method)
	s.mu.Unlock()
	if hostile {
		s.serveHostile(w, r, method, h) // the request never reaches the gateway
		return
	}

	if perr != nil {
		// Parameters the gateway cannot read name no trustworthy method
		// or app: an unsigned error_response in every shape.
		s.answer(w, method, "", unsignedBody(gatewayError("40002", "isv.invalid-parameter", "参数无效: "+perr.Error())))
		return
	}
	biz, encrypted, cerr := s.checkCommon(params)
	if cerr != nil {
		s.answer(w, method, "", s.gatewayErrorBody(params, cerr))
		return
	}

	s.mu.Lock()
	delay, ok := s.latency[method]
	if !ok {
		delay = s.latency[""]
	}
	s.mu.Unlock()
	if delay > 0 {
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-s.done:
			t.Stop()
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		case <-r.Context().Done():
			if !s.runGone {
				t.Stop()
				return // the client is gone; the method does not run
			}
			select { // the real gateway keeps going
			case <-t.C:
			case <-s.done:
				t.Stop()
				return
			}
		}
	}
	if r.Context().Err() != nil && !s.runGone {
		return
	}

	now := s.now() // outside the lock: Options.Clock is the caller's code
	s.mu.Lock()
	tamper := s.takeTamper(method)
	if tamper == TamperUnsignedError {
		s.mu.Unlock()
		writeJSON(w, unsignedBody(gatewayError("40002", "isv.invalid-parameter", "参数无效")))
		return
	}
	var resp node
	var rerr *apiError
	if fr := s.takeFail(method); fr != nil {
		rerr = fr
	} else {
		req := &request{method: method, params: params, files: files, biz: biz, now: now}
		resp, rerr = s.dispatch(req)
	}
	drop := s.drops.Take(method)
	s.mu.Unlock()
	if drop {
		// The method ran; the answer is lost. ErrAbortHandler closes the
		// connection without a response (and without a log line).
		panic(http.ErrAbortHandler)
	}

	if rerr != nil && rerr.unsigned {
		s.answer(w, method, biz, unsignedBody(rerr))
		return
	}
	if rerr != nil {
		resp = errorNode(rerr)
	}
	body := s.signedBody(method, resp, tamper, encrypted)
	if tamper != TamperNone {
		writeJSON(w, body) // a corrupted answer is not recorded
		return
	}
	s.answer(w, method, biz, body)
}

// answer writes body, a genuine gateway answer to method whose request
// carried biz, and records it for Answers.
func (s *Server) answer(w http.ResponseWriter, method, biz string, body []byte) {
	s.record(method, biz, body)
	writeJSON(w, body)
}

// GatewayErrorShape is the body shape of the errors the gateway answers
// itself, before a request reaches its method (Options.GatewayErrors).
type GatewayErrorShape int

const (
	// GatewayErrorsAsAlipay answers as the real gateway does, from public
	// captures of its answers:
	//
	//   - under "<method>_response", signed with the gateway key like any
	//     answer, when the request names its method and the app_id is the
	//     server's: isv.invalid-signature (the comment above
	//     AlipaySdk.curl's response handling in Alipay's official Node SDK,
	//     alipay-sdk-nodejs-all src/alipay.ts, quotes such an answer with its
	//     sign; a Java client's comment in a public repository quotes
	//     {"alipay_trade_create_response":{"code":"40002",…,
	//     "sub_code":"isv.invalid-signature",…},"sign":"…"}) and
	//     isv.invalid-timestamp (GitHub Srar/AlipayF2F issue 14 shows
	//     alipay_trade_precreate_response with sub_code
	//     isv.invalid-timestamp and a sign). Every other common-parameter
	//     failure of a known app is answered the same way (emulator
	//     choice: no capture contradicts it);
	//   - under "<method>_response" without a sign when the app_id is
	//     missing or unknown, since the gateway has no app whose key to
	//     sign with (isv.invalid-app-id answers quoted without a sign in
	//     public SDK docstrings and tests);
	//   - as an unsigned {"error_response":{…}} when the request names no
	//     method (there is no node to name) or cannot be parsed (a
	//     parameter given twice, a bad body: emulator choice), and for
	//     alipay.system.oauth.token, whose captured failures all come that
	//     way (isv.code-invalid in the same Node SDK comment; an
	//     isv.missing-signature capture of an oauth.token call).
	GatewayErrorsAsAlipay GatewayErrorShape = iota
	// GatewayErrorsUnsigned answers every gateway error as an unsigned
	// {"error_response":{…}}, as this package did before and as some
	// public fixtures show.
	GatewayErrorsUnsigned
	// GatewayErrorsUnsignedNode answers every gateway error under
	// "<method>_response" without a sign (error_response when the request
	// names no method), as other public fixtures show.
	GatewayErrorsUnsignedNode
)

// String returns the constant's name.
func (g GatewayErrorShape) String() string {
	switch g {
	case GatewayErrorsAsAlipay:
		return "GatewayErrorsAsAlipay"
	case GatewayErrorsUnsigned:
		return "GatewayErrorsUnsigned"
	case GatewayErrorsUnsignedNode:
		return "GatewayErrorsUnsignedNode"
	}
	return fmt.Sprintf("GatewayErrorShape(%d)", int(g))
}

// gatewayErrorBody renders a gateway-level error e of a request with
// parameters p in the configured shape.
func (s *Server) gatewayErrorBody(p url.Values, e *apiError) []byte {
	method := p.Get("method")
	switch {
	case method == "" || s.gwErrors == GatewayErrorsUnsigned:
		return unsignedBody(e)
	case s.gwErrors == GatewayErrorsUnsignedNode:
		return unsignedNodeBody(method, e)
	case method == MethodOAuthToken:
		return unsignedBody(e)
	case p.Get("app_id") != s.appID:
		return unsignedNodeBody(method, e)
	}
	return s.signedBody(method, errorNode(e), TamperNone, false)
}

// takeTamper consumes the pending tamper for method. Callers hold s.mu.
func (s *Server) takeTamper(method string) Tamper {
	if t, ok := s.tampers[method]; ok {
		delete(s.tampers, method)
		return t
	}
	if t, ok := s.tampers[""]; ok {
		delete(s.tampers, "")
		return t
	}
	return TamperNone
}

func errorNode(e *apiError) node {
	return node{{"code", e.Code}, {"msg", e.Msg}, {"sub_code", e.SubCode}, {"sub_msg", e.SubMsg}}
}

// unsignedBody is {"error_response":{…}}, as the gateway answers requests
// it rejects without a node to name (HTTP 200).
func unsignedBody(e *apiError) []byte {
	b, _ := json.Marshal(node{{"error_response", errorNode(e)}})
	return b
}

// unsignedNodeBody is {"<method>_response":{…}} without a sign.
func unsignedNodeBody(method string, e *apiError) []byte {
	b, _ := json.Marshal(node{{nodeName(method), errorNode(e)}})
	return b
}

// signedBody is {"<node>":<bytes>,"sign":"…"} where the signature covers
// exactly <bytes>; in certificate mode "alipay_cert_sn" sits between them.
//
// The answer to an encrypted request is encrypted: the node is a JSON string
// of base64 ciphertext and the signature covers that string with its quotes.
func (s *Server) signedBody(method string, resp node, tamper Tamper, encrypt bool) []byte {
	body, err := json.Marshal(resp)
	if err != nil {
		return unsignedBody(gatewayError("20000", "isp.unknow-error", "服务暂不可用"))
	}
	if encrypt {
		body = []byte(`"` + aesEncrypt(s.aesKey, body) + `"`)
	}
	name, _ := json.Marshal(nodeName(method))
	var sign string
	switch tamper {
	case TamperOtherKey, TamperForeignCert:
		sign = signBytes(s.otherPriv, body)
	case TamperBadSign:
		junk := make([]byte, 256)
		_, _ = rand.Read(junk)
		sign = base64.StdEncoding.EncodeToString(junk)
	default:
		sign = signBytes(s.aliPriv, body)
	}
	if tamper == TamperAlterBody {
		if body[0] == '"' { // ciphertext: change one base64 character
			altered := append([]byte(nil), body...)
			if altered[1] == 'A' {
				altered[1] = 'B'
			} else {
				altered[1] = 'A'
			}
			body = altered
		} else {
			altered := make([]byte, 0, len(body)+20)
			altered = append(altered, body[:len(body)-1]...)
			altered = append(altered, `,"tampered":"1"}`...)
			body = altered
		}
	}
	var b bytes.Buffer
	b.WriteByte('{')
	b.Write(name)
	b.WriteByte(':')
	b.Write(body)
	switch {
	case tamper == TamperForeignCert:
		b.WriteString(`,"alipay_cert_sn":"`)
		b.WriteString(s.foreignCertificate().sn)
		b.WriteByte('"')
	case s.certMode:
		b.WriteString(`,"alipay_cert_sn":"`)
		b.WriteString(s.certificates().alipaySN)
		b.WriteByte('"')
	}
	if tamper != TamperMissingSign {
		b.WriteString(`,"sign":"`)
		b.WriteString(sign)
		b.WriteByte('"')
	}
	b.WriteByte('}')
	return b.Bytes()
}

func writeJSON(w http.ResponseWriter, b []byte) {
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}
