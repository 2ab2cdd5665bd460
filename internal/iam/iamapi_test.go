package iam

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/edgegate/edgegate/internal/awsapi"
	"github.com/edgegate/edgegate/internal/identity"
	"github.com/edgegate/edgegate/internal/reqctx"
)

func TestOperationsTable(t *testing.T) {
	for name, op := range iamOps {
		if op.action != "iam:"+name {
			t.Errorf("operation %s is authorized as %q", name, op.action)
		}
		if op.run == nil {
			t.Errorf("operation %s has no handler", name)
		}
	}
}

func TestCreateUserWireFormat(t *testing.T) {
	r, err := newRegistry("", nil, true, func() time.Time { return time.Date(2024, 5, 6, 7, 8, 9, 500, time.UTC) }, strings.NewReader(strings.Repeat("\x00", 64)))
	if err != nil {
		t.Fatal(err)
	}
	w := call(t, r, principal(t, r, "test"), "Action", "CreateUser", "UserName", "alice")
	want := `<CreateUserResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><CreateUserResult><User>` +
		`<Path>/</Path><UserName>alice</UserName><UserId>AIDAAAAAAAAAAAAAAAAAA</UserId>` +
		`<Arn>arn:aws:iam::000000000000:user/alice</Arn><CreateDate>2024-05-06T07:08:09Z</CreateDate>` +
		`</User></CreateUserResult><ResponseMetadata><RequestId>` + w.Header().Get("X-Amz-Request-Id") +
		`</RequestId></ResponseMetadata></CreateUserResponse>`
	if w.Code != 200 || w.Body.String() != want {
		t.Errorf("CreateUser response\n got %d %s\nwant %s", w.Code, w.Body, want)
	}
	if ct := w.Header().Get("Content-Type"); ct != "text/xml" {
		t.Errorf("Content-Type %q", ct)
	}

	w = call(t, r, principal(t, r, "test"), "Action", "GetUser", "UserName", "nobody")
	want = `<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type>` +
		`<Code>NoSuchEntity</Code><Message>The user with name nobody cannot be found.</Message></Error>` +
		`<RequestId>` + w.Header().Get("X-Amz-Request-Id") + `</RequestId></ErrorResponse>`
	if w.Code != 404 || w.Body.String() != want {
		t.Errorf("error response\n got %d %s\nwant %s", w.Code, w.Body, want)
	}

	w = call(t, r, principal(t, r, "test"), "Action", "DeleteUser", "UserName", "alice")
	want = `<DeleteUserResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><ResponseMetadata><RequestId>` +
		w.Header().Get("X-Amz-Request-Id") + `</RequestId></ResponseMetadata></DeleteUserResponse>`
	if w.Code != 200 || w.Body.String() != want {
		t.Errorf("DeleteUser response\n got %d %s\nwant %s", w.Code, w.Body, want)
	}
}

func TestIAMErrors(t *testing.T) {
	r := mustRegistry(t, "", []AccountSpec{siteAccount}, true)
	root := principal(t, r, "test")
	for _, kv := range [][]string{
		{"Action", "CreateUser", "UserName", "alice"},
		{"Action", "CreateAccessKey", "UserName", "alice"},
		{"Action", "CreateUser", "UserName", "dave"},
	} {
		if w := call(t, r, root, kv...); w.Code != 200 {
			t.Fatalf("%v: %d %s", kv, w.Code, w.Body)
		}
	}
	// alice's key, to call as an IAM user.
	var aliceKey string
	r.mu.RLock()
	aliceKey = r.accounts[DefaultAccountID].users["alice"].keys[0].id
	r.mu.RUnlock()
	alice := principal(t, r, aliceKey)
	site := principal(t, r, "AKIASITEROOT00000001")

	tests := []struct {
		name    string
		as      identity.Principal
		kv      []string
		status  int
		code    string
		message string // regexp; "" = any
	}{
		{"anonymous", identity.AnonymousPrincipal, []string{"Action", "ListUsers"}, 403, "MissingAuthenticationToken", "^Request is missing Authentication Token$"},
		{"anonymous sts", identity.AnonymousPrincipal, []string{"Action", "GetCallerIdentity", "Version", stsVersion}, 403, "MissingAuthenticationToken", ""},
		{"missing action", root, []string{}, 400, "MissingAction", ""},
		{"unknown action", root, []string{"Action", "CreateBucket"}, 400, "InvalidAction", "^Could not find operation CreateBucket for version 2010-05-08$"},
		{"wrong version", root, []string{"Action", "ListUsers", "Version", "2011-06-15x"}, 400, "InvalidAction", "^Could not find operation ListUsers for version 2011-06-15x$"},
		{"unknown sts action", root, []string{"Action", "GetSessionToken", "Version", stsVersion}, 400, "InvalidAction", "^Could not find operation GetSessionToken for version 2011-06-15$"},
		{"duplicate user", root, []string{"Action", "CreateUser", "UserName", "alice"}, 409, "EntityAlreadyExists", "^User with name alice already exists.$"},
		{"duplicate user other case", root, []string{"Action", "CreateUser", "UserName", "ALICE"}, 409, "EntityAlreadyExists", ""},
		{"missing user name", root, []string{"Action", "CreateUser"}, 400, "ValidationError", `^1 validation error detected: Value null at 'userName' failed to satisfy constraint: Member must not be null$`},
		{"bad user name", root, []string{"Action", "CreateUser", "UserName", "bad name"}, 400, "ValidationError", `^1 validation error detected: Value 'bad name' at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: \[\\w\+=,\.@-\]\+$`},
		{"long user name", root, []string{"Action", "CreateUser", "UserName", strings.Repeat("a", 65)}, 400, "ValidationError", "Member must have length less than or equal to 64"},
		{"bad path", root, []string{"Action", "CreateUser", "UserName", "x", "Path", "noslash"}, 400, "ValidationError", "at 'path' failed to satisfy constraint"},
		{"two violations", root, []string{"Action", "CreateUser", "UserName", "a b", "Path", "x"}, 400, "ValidationError", "^2 validation errors detected: "},
		{"duplicate tags", root, []string{"Action", "CreateUser", "UserName", "t", "Tags.member.1.Key", "k", "Tags.member.1.Value", "1", "Tags.member.2.Key", "K", "Tags.member.2.Value", "2"}, 400, "InvalidInput", "Duplicate tag keys"},
		{"unknown user", root, []string{"Action", "GetUser", "UserName", "bob"}, 404, "NoSuchEntity", "^The user with name bob cannot be found.$"},
		{"user of another account", site, []string{"Action", "GetUser", "UserName", "alice"}, 404, "NoSuchEntity", ""},
		{"delete user with keys", root, []string{"Action", "DeleteUser", "UserName", "alice"}, 409, "DeleteConflict", "^Cannot delete entity, must delete access keys first.$"},
		{"delete unknown key", root, []string{"Action", "DeleteAccessKey", "UserName", "alice", "AccessKeyId", "AKIANOSUCHKEY0000000"}, 404, "NoSuchEntity", "^The Access Key with id AKIANOSUCHKEY0000000 cannot be found.$"},
		{"delete another user's key", root, []string{"Action", "DeleteAccessKey", "UserName", "dave", "AccessKeyId", aliceKey}, 404, "NoSuchEntity", ""},
		{"delete configured key", root, []string{"Action", "DeleteAccessKey", "AccessKeyId", "test"}, 400, "UnmodifiableEntity", ""},
		{"bad status", root, []string{"Action", "UpdateAccessKey", "UserName", "alice", "AccessKeyId", aliceKey, "Status", "Off"}, 400, "ValidationError", `enum value set: \[Active, Inactive\]`},
		{"max items zero", root, []string{"Action", "ListUsers", "MaxItems", "0"}, 400, "ValidationError", "greater than or equal to 1"},
		{"bad marker", root, []string{"Action", "ListUsers", "Marker", "!!!"}, 400, "InvalidInput", ""},
		{"user denied", alice, []string{"Action", "CreateUser", "UserName", "eve"}, 403, "AccessDenied",
			`^User: arn:aws:iam::000000000000:user/alice is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::000000000000:user/eve because no identity-based policy allows the iam:CreateUser action$`},
		{"user denied get self", alice, []string{"Action", "GetUser"}, 403, "AccessDenied", `iam:GetUser on resource: arn:aws:iam::000000000000:user/alice `},
		{"user denied list", alice, []string{"Action", "ListUsers"}, 403, "AccessDenied", `iam:ListUsers on resource: arn:aws:iam::000000000000:user/ `},
		{"user denied unknown user", alice, []string{"Action", "GetUser", "UserName", "ghost"}, 403, "AccessDenied", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := call(t, r, tt.as, tt.kv...)
			code, msg := errorOf(t, w)
			if w.Code != tt.status || code != tt.code {
				t.Fatalf("got %d %s (%s), want %d %s", w.Code, code, msg, tt.status, tt.code)
			}
			if tt.message != "" && !regexp.MustCompile(tt.message).MatchString(msg) {
				t.Errorf("message %q does not match %q", msg, tt.message)
			}
		})
	}
}

func TestAccessKeyLifecycle(t *testing.T) {
	r := mustRegistry(t, "", nil, true)
	root := principal(t, r, "test")
	call(t, r, root, "Action", "CreateUser", "UserName", "carol")
	var ids []string
	for i := range 3 {
		w := call(t, r, root, "Action", "CreateAccessKey", "UserName", "carol")
		if i < 2 {
			if w.Code != 200 {
				t.Fatalf("key %d: %d %s", i, w.Code, w.Body)
			}
			m := regexp.MustCompile(`<AccessKeyId>(\w+)</AccessKeyId>`).FindStringSubmatch(w.Body.String())
			ids = append(ids, m[1])
			continue
		}
		if code, msg := errorOf(t, w); w.Code != 409 || code != "LimitExceeded" || msg != "Cannot exceed quota for AccessKeysPerUser: 2" {
			t.Fatalf("third key: %d %s %s", w.Code, code, msg)
		}
	}
	// Root: the configured key counts against the quota of 2.
	if w := call(t, r, root, "Action", "CreateAccessKey"); w.Code != 200 {
		t.Fatalf("root key: %d %s", w.Code, w.Body)
	}
	if w := call(t, r, root, "Action", "CreateAccessKey"); w.Code != 409 {
		t.Fatalf("third root key: %d %s", w.Code, w.Body)
	}
	w := call(t, r, root, "Action", "ListAccessKeys")
	if !strings.Contains(w.Body.String(), "<AccessKeyId>test</AccessKeyId>") || strings.Contains(w.Body.String(), "<UserName>") {
		t.Errorf("root ListAccessKeys: %s", w.Body)
	}

	// Paging through carol's keys one at a time.
	w = call(t, r, root, "Action", "ListAccessKeys", "UserName", "carol", "MaxItems", "1")
	body := w.Body.String()
	if !strings.Contains(body, "<IsTruncated>true</IsTruncated>") || !strings.Contains(body, "<AccessKeyId>"+ids[0]+"</AccessKeyId>") || !strings.Contains(body, "<UserName>carol</UserName>") {
		t.Fatalf("page 1: %s", body)
	}
	marker := regexp.MustCompile(`<Marker>([^<]+)</Marker>`).FindStringSubmatch(body)[1]
	w = call(t, r, root, "Action", "ListAccessKeys", "UserName", "carol", "MaxItems", "1", "Marker", marker)
	body = w.Body.String()
	if !strings.Contains(body, "<IsTruncated>false</IsTruncated>") || !strings.Contains(body, ids[1]) || strings.Contains(body, "<Marker>") {
		t.Fatalf("page 2: %s", body)
	}

	// Deactivating a key stops it authenticating; reactivating restores it.
	if w := call(t, r, root, "Action", "UpdateAccessKey", "UserName", "carol", "AccessKeyId", ids[0], "Status", "Inactive"); w.Code != 200 {
		t.Fatalf("UpdateAccessKey: %d %s", w.Code, w.Body)
	}
	if _, ok := r.SecretKey(ids[0]); ok {
		t.Error("inactive key authenticates")
	}
	if _, ok := r.PrincipalForKey(ids[0]); ok {
		t.Error("inactive key has a principal")
	}
	if w := call(t, r, root, "Action", "ListAccessKeys", "UserName", "carol"); !strings.Contains(w.Body.String(), "<Status>Inactive</Status>") {
		t.Errorf("ListAccessKeys after deactivation: %s", w.Body)
	}
	call(t, r, root, "Action", "UpdateAccessKey", "UserName", "carol", "AccessKeyId", ids[0], "Status", "Active")
	if _, ok := r.SecretKey(ids[0]); !ok {
		t.Error("reactivated key does not authenticate")
	}

	// Delete both keys, then the user.
	for _, id := range ids {
		if w := call(t, r, root, "Action", "DeleteAccessKey", "UserName", "carol", "AccessKeyId", id); w.Code != 200 {
			t.Fatalf("DeleteAccessKey: %d %s", w.Code, w.Body)
		}
		if _, ok := r.SecretKey(id); ok {
			t.Error("deleted key authenticates")
		}
	}
	if w := call(t, r, root, "Action", "DeleteUser", "UserName", "carol"); w.Code != 200 {
		t.Fatalf("DeleteUser: %d %s", w.Code, w.Body)
	}
}

func TestListUsers(t *testing.T) {
	r := mustRegistry(t, "", nil, true)
	root := principal(t, r, "test")
	for _, u := range [][2]string{{"bob", "/"}, {"Alice", "/eng/"}, {"carol", "/eng/web/"}, {"dave", "/ops/"}} {
		if w := call(t, r, root, "Action", "CreateUser", "UserName", u[0], "Path", u[1]); w.Code != 200 {
			t.Fatalf("CreateUser %v: %d %s", u, w.Code, w.Body)
		}
	}
	names := func(body string) []string {
		var out []string
		for _, m := range regexp.MustCompile(`<UserName>([^<]+)</UserName>`).FindAllStringSubmatch(body, -1) {
			out = append(out, m[1])
		}
		return out
	}
	tests := []struct {
		kv   []string
		want string
	}{
		{nil, "Alice bob carol dave"},
		{[]string{"PathPrefix", "/eng/"}, "Alice carol"},
		{[]string{"PathPrefix", "/eng/web"}, "carol"},
		{[]string{"PathPrefix", "/nothing/"}, ""},
	}
	for _, tt := range tests {
		w := call(t, r, root, append([]string{"Action", "ListUsers"}, tt.kv...)...)
		if got := strings.Join(names(w.Body.String()), " "); got != tt.want {
			t.Errorf("ListUsers %v = %q, want %q", tt.kv, got, tt.want)
		}
	}
	// Empty result still has the Users element.
	if w := call(t, r, root, "Action", "ListUsers", "PathPrefix", "/nothing/"); !strings.Contains(w.Body.String(), "<Users></Users><IsTruncated>false</IsTruncated>") {
		t.Errorf("empty ListUsers: %s", w.Body)
	}
	// Pages of 3 then 1.
	w := call(t, r, root, "Action", "ListUsers", "MaxItems", "3")
	if got := strings.Join(names(w.Body.String()), " "); got != "Alice bob carol" || !strings.Contains(w.Body.String(), "<IsTruncated>true</IsTruncated>") {
		t.Fatalf("page 1 = %q: %s", got, w.Body)
	}
	marker := regexp.MustCompile(`<Marker>([^<]+)</Marker>`).FindStringSubmatch(w.Body.String())[1]
	w = call(t, r, root, "Action", "ListUsers", "MaxItems", "3", "Marker", marker)
	if got := strings.Join(names(w.Body.String()), " "); got != "dave" {
		t.Fatalf("page 2 = %q: %s", got, w.Body)
	}
}

func TestGetUserRootAndCallerIdentity(t *testing.T) {
	r := mustRegistry(t, "", nil, true)
	root := principal(t, r, "test")
	w := call(t, r, root, "Action", "GetUser")
	body := w.Body.String()
	if w.Code != 200 || !regexp.MustCompile(`^<GetUserResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><GetUserResult><User><UserId>000000000000</UserId><Arn>arn:aws:iam::000000000000:root</Arn><CreateDate>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ</CreateDate></User></GetUserResult>`).MatchString(body) {
		t.Errorf("root GetUser: %d %s", w.Code, body)
	}
	w = call(t, r, root, "Action", "GetCallerIdentity", "Version", stsVersion)
	want := `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>` +
		`<Arn>arn:aws:iam::000000000000:root</Arn><UserId>000000000000</UserId><Account>000000000000</Account>` +
		`</GetCallerIdentityResult><ResponseMetadata><RequestId>` + w.Header().Get("X-Amz-Request-Id") +
		`</RequestId></ResponseMetadata></GetCallerIdentityResponse>`
	if w.Code != 200 || w.Body.String() != want {
		t.Errorf("GetCallerIdentity\n got %d %s\nwant %s", w.Code, w.Body, want)
	}
}

func TestGetQueryAndErrorWriters(t *testing.T) {
	r := mustRegistry(t, "", nil, true)
	// Parameters in a GET query string.
	req := httptest.NewRequest(http.MethodGet, "/?Action=GetCallerIdentity&Version=2011-06-15", nil)
	w := httptest.NewRecorder()
	r.ServeSTS(w, req, &reqctx.Call{RequestID: "REQ1", Principal: principal(t, r, "test")})
	if w.Code != 200 || !strings.Contains(w.Body.String(), "<Account>000000000000</Account>") || w.Header().Get("X-Amz-Request-Id") != "REQ1" {
		t.Errorf("GET GetCallerIdentity: %d %s", w.Code, w.Body)
	}

	// The front door's S3-spelled SigV4 errors come out as IAM/STS spell them.
	tests := []struct {
		in     error
		sts    bool
		status int
		code   string
	}{
		{awsapi.ErrInvalidAccessKeyID, false, 403, "InvalidClientTokenId"},
		{awsapi.ErrSignatureDoesNotMatch, true, 403, "SignatureDoesNotMatch"},
		{awsapi.ErrRequestTimeTooSkewed, false, 403, "SignatureDoesNotMatch"},
		{awsapi.ErrInternal, false, 500, "ServiceFailure"},
		{awsapi.ErrInternal, true, 500, "InternalFailure"},
		{http.ErrBodyNotAllowed, false, 500, "ServiceFailure"},
		{awsapi.New(400, "IncompleteSignature", "x"), true, 400, "IncompleteSignature"},
	}
	for _, tt := range tests {
		w := httptest.NewRecorder()
		var got *awsapi.Error
		ns := iamNamespace
		if tt.sts {
			got = WriteSTSError(w, "REQ2", tt.in)
			ns = stsNamespace
		} else {
			got = WriteIAMError(w, "REQ2", tt.in)
		}
		code, _ := errorOf(t, w)
		if w.Code != tt.status || code != tt.code || got.Code != tt.code || w.Header().Get("X-Amz-Request-Id") != "REQ2" {
			t.Errorf("%v: %d %s", tt.in, w.Code, w.Body)
		}
		if !strings.HasPrefix(w.Body.String(), `<ErrorResponse xmlns="`+ns+`"><Error><Type>`) {
			t.Errorf("%v: body %s", tt.in, w.Body)
		}
		if tt.status == 500 && !strings.Contains(w.Body.String(), "<Type>Receiver</Type>") {
			t.Errorf("%v: 500 not typed Receiver: %s", tt.in, w.Body)
		}
	}
}
