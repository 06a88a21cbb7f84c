package alipaytest

import (
	"fmt"
	"strings"
	"time"

	card "github.com/walletcard/card"
)

// failRule is a FailNext or FailNextCode registration: an exact answer
// (err) or a card.Kind resolved per method when the call arrives.
type failRule struct {
	err  *apiError
	kind card.Kind
	n    int
}

// kindAnswer returns the answer the gateway gives to method for a failure
// of kind, and whether method has one. This is the table of the package
// doc ("Fault injection").
func kindAnswer(method string, kind card.Kind) (*apiError, bool) {
	switch kind {
	case card.KindUnavailable:
		return &apiError{Code: "20000", Msg: codeMsg("20000"), SubCode: "isp.unknow-error", SubMsg: "服务暂不可用"}, true
	case card.KindRateLimited:
		return &apiError{Code: "40005", Msg: codeMsg("40005"), SubCode: "aop.call-limited", SubMsg: "调用频次超限"}, true
	case card.KindPermissionDenied:
		return &apiError{Code: "40006", Msg: codeMsg("40006"), SubCode: "isv.insufficient-isv-permissions", SubMsg: "ISV权限不足"}, true
	case card.KindUnauthenticated:
		if method == MethodOAuthToken {
			return gatewayError("40002", "isv.code-invalid", "授权码code无效"), true
		}
		return tokenError("aop.invalid-auth-token", "无效的访问令牌"), true
	case card.KindInvalidArgument:
		if strings.HasPrefix(method, "alipay.marketing.card.") {
			return invalidParam("参数无效"), true
		}
		return &apiError{Code: "40002", Msg: codeMsg("40002"), SubCode: "isv.invalid-parameter", SubMsg: "参数无效"}, true
	case card.KindNotFound:
		switch method {
		case MethodCardQuery, MethodCardUpdate, MethodCardDelete, MethodConsumeSync, MethodMessageNotify:
			return bizFail("CARD_NOT_EXIT", "会员卡不存在"), true
		case MethodCardOpen, MethodTemplateModify, MethodTemplateQuery:
			return bizFail("TEMPLATE_NOT_EXIT", "模板不存在"), true
		case MethodFormTemplateSet, MethodActivateURLApply:
			return bizFail("CARD_TEMPLATE_NOT_EXIST", "会员卡模板不存在"), true
		case MethodBenefitCreate:
			return bizFail("TEMPLATE_NOT_EXIST", "模板不存在"), true
		case MethodBenefitModify, MethodBenefitQuery, MethodBenefitDelete:
			return bizFail("BENEFIT_NOT_EXIST", "权益不存在"), true
		}
	case card.KindAlreadyExists:
		if method == MethodCardOpen {
			return bizFail("CARD_HAS_OPENED", "用户已开卡"), true
		}
	case card.KindConflict:
		switch method {
		case MethodCardOpen:
			return bizFail("OPEN_CARD_NEED_OPENFORM", "开卡需要先填写开卡表单"), true
		case MethodTemplateCreate:
			return bizFail("TEMPLATE_OVER_LIMIT", "模板数量超过上限"), true
		}
	}
	return nil, false
}

// anyMethodAnswers reports whether some method has an answer for kind.
func anyMethodAnswers(kind card.Kind) bool {
	for _, m := range []string{MethodCardOpen, MethodCardQuery, MethodTemplateCreate} {
		if _, ok := kindAnswer(m, kind); ok {
			return true
		}
	}
	return false
}

// FailNext makes the next n calls of op, a method name (e.g.
// "alipay.marketing.card.open"; "" = any method), fail before they are
// applied: the gateway answers the failure Alipay sends for kind (see the
// table in the package doc: KindUnavailable → 20000 isp.unknow-error,
// KindRateLimited → 40005, KindUnauthenticated → 20001
// aop.invalid-auth-token, KindNotFound → the method's 40004 *_NOT_EXIT
// sub_code …), signed like every method answer, and state is untouched.
//
// A kind the named method cannot answer (for example KindAlreadyExists
// for card.query) panics, like a misused httptest helper; with op ""
// the rule applies only to calls of methods that have an answer for kind
// and is not used up by the others. A later call for the same op
// replaces the earlier rule; n ≤ 0 removes it.
func (s *Server) FailNext(op string, kind card.Kind, n int) {
	if n > 0 {
		if op != "" {
			if _, ok := kindAnswer(op, kind); !ok {
				panic(fmt.Sprintf("alipaytest: FailNext(%q, %v): the op has no answer for this kind", op, kind))
			}
		} else if !anyMethodAnswers(kind) {
			panic(fmt.Sprintf("alipaytest: FailNext(\"\", %v): no op has an answer for this kind", kind))
		}
	}
	s.setFail(op, &failRule{kind: kind, n: n})
}

// FailNextCode is FailNext with an exact answer: the next n calls of op
// (a method name; "" = any method) answer a signed failure with this code ("40004",
// "20000", "40005" …), sub_code and sub_msg, without running the method.
// Use it for a business sub_code FailNext has no kind for. n ≤ 0 removes
// the rule.
func (s *Server) FailNextCode(op, code, subCode, subMsg string, n int) {
	s.setFail(op, &failRule{err: &apiError{Code: code, Msg: codeMsg(code), SubCode: subCode, SubMsg: subMsg}, n: n})
}

func (s *Server) setFail(method string, r *failRule) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.n <= 0 {
		delete(s.fails, method)
		return
	}
	s.fails[method] = r
}

// takeFail consumes one FailNext answer for method. Callers hold s.mu.
func (s *Server) takeFail(method string) *apiError {
	for _, k := range []string{method, ""} {
		fr, ok := s.fails[k]
		if !ok {
			continue
		}
		var e *apiError
		if fr.err != nil {
			c := *fr.err
			e = &c
		} else if e, ok = kindAnswer(method, fr.kind); !ok {
			continue // a "" rule for a kind this method cannot answer
		}
		fr.n--
		if fr.n <= 0 {
			delete(s.fails, k)
		}
		return e
	}
	return nil
}

// LoseAnswerNext makes the next n calls of op (a method name; "" = any method) run
// normally — state changes — and then lose their answer: the server closes
// the connection without writing anything, so the client sees a transport
// error although the gateway applied the call (a reply lost on the way
// back). Use it to check what a client's retry does to a call that was
// already applied. A call failed by FailNext uses up a rule too (its
// failure answer is what gets lost). n ≤ 0 removes the rule.
func (s *Server) LoseAnswerNext(op string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.drops.Set(op, n)
}

// SetLatency delays every answer to op (a method name; "" = all methods) by d before the
// method runs. If the client gives up (its request context ends) while
// waiting, the server drops the request without running the method, or,
// with Options.RunAfterClientGone, runs it when the delay is over. Close
// ends the wait at once. d ≤ 0 removes the delay.
func (s *Server) SetLatency(op string, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d <= 0 {
		delete(s.latency, op)
		return
	}
	s.latency[op] = d
}

// ExpireCredentials makes every user auth_token issued so far expire:
// card.open, activateform.query and user.info.share with one of them answer
// 20001 aop.auth-token-time-out. Their refresh tokens still work (as after
// a real expiry), and tokens issued afterwards are valid.
func (s *Server) ExpireCredentials() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.st.tokens {
		t.expired = true
	}
}

// RevokeCredentials makes the gateway refuse the application's key until
// RestoreCredentials, as after the merchant replaced the app's public key
// in Alipay's console: every request, however well signed, answers 40002
// isv.invalid-signature (in the Options.GatewayErrors shape) and nothing
// runs.
func (s *Server) RevokeCredentials() { s.revoked.Store(true) }

// RestoreCredentials ends RevokeCredentials: requests signed with the app
// key are accepted again.
func (s *Server) RestoreCredentials() { s.revoked.Store(false) }
