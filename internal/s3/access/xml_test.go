package access

import (
	"reflect"
	"strings"
	"testing"

	"github.com/edgegate/edgegate/internal/store"
)

// s3ACLDoc is an AccessControlPolicy as S3 renders it (one line, no
// indentation), the form GetBucketAcl and GetObjectAcl must produce.
const s3ACLDoc = `<?xml version="1.0" encoding="UTF-8"?>
<AccessControlPolicy xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Owner><ID>aaaa</ID><DisplayName>owner</DisplayName></Owner><AccessControlList>` +
	`<Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>aaaa</ID><DisplayName>owner</DisplayName></Grantee><Permission>FULL_CONTROL</Permission></Grant>` +
	`<Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="Group"><URI>http://acs.amazonaws.com/groups/global/AllUsers</URI></Grantee><Permission>READ</Permission></Grant>` +
	`<Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>cccc</ID></Grantee><Permission>WRITE_ACP</Permission></Grant>` +
	`</AccessControlList></AccessControlPolicy>`

func TestMarshalACLExact(t *testing.T) {
	a := ACL{Owner: Owner{ID: ownerID, DisplayName: "owner"}, Grants: []Grant{
		{Grantee{Type: CanonicalUser, ID: ownerID, DisplayName: "owner"}, PermFullControl},
		g(AllUsers, PermRead),
		u(otherID, PermWriteACP),
	}}
	if got := string(MarshalACL(a)); got != s3ACLDoc {
		t.Errorf("MarshalACL:\n got %s\nwant %s", got, s3ACLDoc)
	}
	back, err := ParseACL([]byte(s3ACLDoc))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, a) {
		t.Errorf("ParseACL(MarshalACL(a)) = %+v, want %+v", back, a)
	}
	// Empty grant list and escaping.
	e := ACL{Owner: Owner{ID: "a&b"}}
	want := `<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<AccessControlPolicy xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Owner><ID>a&amp;b</ID></Owner><AccessControlList></AccessControlList></AccessControlPolicy>`
	if got := string(MarshalACL(e)); got != want {
		t.Errorf("MarshalACL(empty) = %s", got)
	}
}

func TestParseACL(t *testing.T) {
	grantee := func(typ, inner string) string {
		return `<Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="` + typ + `">` + inner + `</Grantee>`
	}
	doc := func(owner, grants string) string {
		return `<AccessControlPolicy xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` + owner + `<AccessControlList>` + grants + `</AccessControlList></AccessControlPolicy>`
	}
	own := `<Owner><ID>aaaa</ID></Owner>`
	grant := func(ge, perm string) string { return `<Grant>` + ge + `<Permission>` + perm + `</Permission></Grant>` }
	tests := []struct {
		name string
		body string
		want []Grant // nil: want MalformedACLError
	}{
		{"user", doc(own, grant(grantee("CanonicalUser", "<ID>cccc</ID>"), "READ")), []Grant{u(otherID, PermRead)}},
		{"group", doc(own, grant(grantee("Group", "<URI> "+LogDelivery+" </URI>"), "WRITE")), []Grant{g(LogDelivery, PermWrite)}},
		{"email", doc(own, grant(grantee("AmazonCustomerByEmail", "<EmailAddress>a@example.com</EmailAddress>"), "READ_ACP")),
			[]Grant{{Grantee{Type: AmazonCustomerByEmail, Email: "a@example.com"}, PermReadACP}}},
		{"owner after list", `<AccessControlPolicy><AccessControlList>` + grant(grantee("CanonicalUser", "<ID>cccc</ID>"), "READ") + `</AccessControlList>` + own + `</AccessControlPolicy>`,
			[]Grant{u(otherID, PermRead)}},
		{"no namespace, undeclared xsi prefix", `<AccessControlPolicy>` + own + `<AccessControlList><Grant><Grantee xsi:type="CanonicalUser"><ID>cccc</ID></Grantee><Permission>READ</Permission></Grant></AccessControlList></AccessControlPolicy>`,
			[]Grant{u(otherID, PermRead)}},
		{"no list", `<AccessControlPolicy>` + own + `</AccessControlPolicy>`, []Grant{}},
		{"empty list", doc(own, ""), []Grant{}},
		{"display names", doc(`<Owner><ID>aaaa</ID><DisplayName>x</DisplayName></Owner>`, grant(grantee("CanonicalUser", "<ID>cccc</ID><DisplayName>y</DisplayName>"), "FULL_CONTROL")),
			[]Grant{{Grantee{Type: CanonicalUser, ID: otherID, DisplayName: "y"}, PermFullControl}}},
		{"not xml", `<AccessControlPolicy>`, nil},
		{"empty body", ``, nil},
		{"wrong root", `<AccessControlList>` + own + `</AccessControlList>`, nil},
		{"wrong namespace", `<AccessControlPolicy xmlns="urn:x">` + own + `</AccessControlPolicy>`, nil},
		{"no owner", doc("", grant(grantee("CanonicalUser", "<ID>cccc</ID>"), "READ")), nil},
		{"empty owner id", doc("<Owner><ID> </ID></Owner>", ""), nil},
		{"unknown element", doc(own+"<Foo/>", ""), nil},
		{"unknown grantee element", doc(own, grant(grantee("CanonicalUser", "<ID>cccc</ID><Name>x</Name>"), "READ")), nil},
		{"bad permission", doc(own, grant(grantee("CanonicalUser", "<ID>cccc</ID>"), "Write")), nil},
		{"no permission", doc(own, `<Grant>`+grantee("CanonicalUser", "<ID>cccc</ID>")+`</Grant>`), nil},
		{"no grantee", doc(own, `<Grant><Permission>READ</Permission></Grant>`), nil},
		{"no xsi type", doc(own, grant(`<Grantee><ID>cccc</ID></Grantee>`, "READ")), nil},
		{"bad type", doc(own, grant(grantee("User", "<ID>cccc</ID>"), "READ")), nil},
		{"group without uri", doc(own, grant(grantee("Group", "<DisplayName>Everyone</DisplayName>"), "READ")), nil},
		{"user without id", doc(own, grant(grantee("CanonicalUser", "<URI>"+AllUsers+"</URI>"), "READ")), nil},
		{"too many grants", doc(own, strings.Repeat(grant(grantee("CanonicalUser", "<ID>cccc</ID>"), "READ"), MaxGrants+1)), nil},
	}
	for _, tt := range tests {
		a, err := ParseACL([]byte(tt.body))
		if tt.want == nil {
			if code(err) != "MalformedACLError" {
				t.Errorf("%s: err %v, want MalformedACLError", tt.name, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if a.Owner.ID != ownerID || !reflect.DeepEqual(a.Grants, tt.want) {
			t.Errorf("%s: got %+v, want %+v", tt.name, a, tt.want)
		}
	}
	// Exactly MaxGrants is fine.
	if _, err := ParseACL([]byte(doc(own, strings.Repeat(grant(grantee("CanonicalUser", "<ID>cccc</ID>"), "READ"), MaxGrants)))); err != nil {
		t.Errorf("%d grants: %v", MaxGrants, err)
	}
}

func TestOwnershipControlsXML(t *testing.T) {
	want := `<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
		`<OwnershipControls xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Rule><ObjectOwnership>BucketOwnerPreferred</ObjectOwnership></Rule></OwnershipControls>`
	if got := string(MarshalOwnershipControls(BucketOwnerPreferred)); got != want {
		t.Errorf("MarshalOwnershipControls = %s", got)
	}
	tests := []struct {
		body string
		want Ownership // "": MalformedXML
	}{
		{want, BucketOwnerPreferred},
		{`<OwnershipControls><Rule><ObjectOwnership> ObjectWriter </ObjectOwnership></Rule></OwnershipControls>`, ObjectWriter},
		{`<OwnershipControls xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Rule><ObjectOwnership>BucketOwnerEnforced</ObjectOwnership></Rule></OwnershipControls>`, BucketOwnerEnforced},
		{`<OwnershipControls><Rule><ObjectOwnership>bucketownerenforced</ObjectOwnership></Rule></OwnershipControls>`, ""},
		{`<OwnershipControls><Rule><ObjectOwnership>Owner</ObjectOwnership></Rule></OwnershipControls>`, ""},
		{`<OwnershipControls><Rule></Rule></OwnershipControls>`, ""},
		{`<OwnershipControls></OwnershipControls>`, ""},
		{`<OwnershipControls><Rule><ObjectOwnership>ObjectWriter</ObjectOwnership></Rule><Rule><ObjectOwnership>ObjectWriter</ObjectOwnership></Rule></OwnershipControls>`, ""},
		{`<OwnershipControls><Rule><ObjectOwnership>ObjectWriter</ObjectOwnership><X/></Rule></OwnershipControls>`, ""},
		{`<Ownership><Rule><ObjectOwnership>ObjectWriter</ObjectOwnership></Rule></Ownership>`, ""},
		{`<OwnershipControls>`, ""},
		{``, ""},
	}
	for _, tt := range tests {
		o, err := ParseOwnershipControls([]byte(tt.body))
		if tt.want == "" {
			if code(err) != "MalformedXML" {
				t.Errorf("%s: %v %v, want MalformedXML", tt.body, o, err)
			}
			continue
		}
		if err != nil || o != tt.want {
			t.Errorf("%s: %v %v, want %s", tt.body, o, err, tt.want)
		}
	}
	if BucketOwnerEnforced.ACLsEnabled() || !ObjectWriter.ACLsEnabled() || !BucketOwnerPreferred.ACLsEnabled() {
		t.Error("ACLsEnabled wrong")
	}
}

func TestPublicAccessBlockXML(t *testing.T) {
	p := PublicAccessBlock{BlockPublicAcls: true, BlockPublicPolicy: true}
	want := `<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
		`<PublicAccessBlockConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><BlockPublicAcls>true</BlockPublicAcls><IgnorePublicAcls>false</IgnorePublicAcls><BlockPublicPolicy>true</BlockPublicPolicy><RestrictPublicBuckets>false</RestrictPublicBuckets></PublicAccessBlockConfiguration>`
	if got := string(MarshalPublicAccessBlock(p, S3Namespace)); got != want {
		t.Errorf("Marshal = %s", got)
	}
	if got := string(MarshalPublicAccessBlock(p, S3ControlNamespace)); !strings.Contains(got, `xmlns="http://awss3control.amazonaws.com/doc/2018-08-20/"`) {
		t.Errorf("Marshal control = %s", got)
	}
	tests := []struct {
		body string
		want *PublicAccessBlock // nil: MalformedXML
	}{
		{want, &p},
		{`<PublicAccessBlockConfiguration xmlns="http://awss3control.amazonaws.com/doc/2018-08-20/"><IgnorePublicAcls>TRUE</IgnorePublicAcls><RestrictPublicBuckets>1</RestrictPublicBuckets></PublicAccessBlockConfiguration>`,
			&PublicAccessBlock{IgnorePublicAcls: true, RestrictPublicBuckets: true}},
		{`<PublicAccessBlockConfiguration/>`, &PublicAccessBlock{}},
		{`<PublicAccessBlockConfiguration><BlockPublicAcls>0</BlockPublicAcls><BlockPublicPolicy>False</BlockPublicPolicy></PublicAccessBlockConfiguration>`, &PublicAccessBlock{}},
		{`<PublicAccessBlockConfiguration><BlockPublicAcls>yes</BlockPublicAcls></PublicAccessBlockConfiguration>`, nil},
		{`<PublicAccessBlockConfiguration><BlockPublicAcls></BlockPublicAcls></PublicAccessBlockConfiguration>`, nil},
		{`<PublicAccessBlockConfiguration><BlockAll>true</BlockAll></PublicAccessBlockConfiguration>`, nil},
		{`<PublicAccessBlock><BlockPublicAcls>true</BlockPublicAcls></PublicAccessBlock>`, nil},
		{`<PublicAccessBlockConfiguration xmlns="urn:x"/>`, nil},
		{`<PublicAccessBlockConfiguration>`, nil},
	}
	for _, tt := range tests {
		got, err := ParsePublicAccessBlock([]byte(tt.body))
		if tt.want == nil {
			if code(err) != "MalformedXML" {
				t.Errorf("%s: %+v %v, want MalformedXML", tt.body, got, err)
			}
			continue
		}
		if err != nil || got != *tt.want {
			t.Errorf("%s: %+v %v, want %+v", tt.body, got, err, *tt.want)
		}
	}
}

func TestEffective(t *testing.T) {
	a := &PublicAccessBlock{BlockPublicAcls: true, RestrictPublicBuckets: true}
	b := &PublicAccessBlock{IgnorePublicAcls: true, RestrictPublicBuckets: true}
	tests := []struct {
		account, bucket *PublicAccessBlock
		want            PublicAccessBlock
	}{
		{nil, nil, PublicAccessBlock{}},
		{a, nil, *a},
		{nil, b, *b},
		{a, b, PublicAccessBlock{BlockPublicAcls: true, IgnorePublicAcls: true, RestrictPublicBuckets: true}},
		{&AllBlocked, &PublicAccessBlock{}, AllBlocked},
		{&PublicAccessBlock{}, &PublicAccessBlock{BlockPublicPolicy: true}, PublicAccessBlock{BlockPublicPolicy: true}},
	}
	for _, tt := range tests {
		if got := Effective(tt.account, tt.bucket); got != tt.want {
			t.Errorf("Effective(%+v, %+v) = %+v, want %+v", tt.account, tt.bucket, got, tt.want)
		}
	}
}

func TestBucketHelpers(t *testing.T) {
	acl := Private(ownerID)
	pab := PublicAccessBlock{BlockPublicAcls: true}
	tests := []struct {
		name         string
		attrs        map[string][]byte
		wantOwn      Ownership
		wantControls bool
		wantACL      bool
		wantPAB      *PublicAccessBlock
	}{
		{"legacy bucket", nil, BucketOwnerEnforced, true, false, nil},
		{"recorded", map[string][]byte{AttrOwnership: EncodeOwnership(BucketOwnerPreferred), AttrACL: Encode(acl), AttrPublicAccessBlock: EncodePAB(pab)},
			BucketOwnerPreferred, true, true, &pab},
		{"controls deleted", map[string][]byte{AttrOwnership: EncodeOwnership("")}, ObjectWriter, false, false, nil},
		{"corrupt", map[string][]byte{AttrACL: []byte("{"), AttrPublicAccessBlock: []byte("x")}, BucketOwnerEnforced, true, false, nil},
	}
	for _, tt := range tests {
		b := &store.Bucket{Attrs: tt.attrs}
		if got := BucketOwnership(b); got != tt.wantOwn {
			t.Errorf("%s: BucketOwnership = %s", tt.name, got)
		}
		if o, ok := BucketOwnershipControls(b); ok != tt.wantControls || (ok && o != tt.wantOwn) {
			t.Errorf("%s: BucketOwnershipControls = %s %v", tt.name, o, ok)
		}
		if a, ok := BucketACL(b); ok != tt.wantACL || (ok && !reflect.DeepEqual(a, acl)) {
			t.Errorf("%s: BucketACL = %+v %v", tt.name, a, ok)
		}
		if got := BucketPAB(b); !reflect.DeepEqual(got, tt.wantPAB) {
			t.Errorf("%s: BucketPAB = %+v", tt.name, got)
		}
	}
	o := &store.Object{Attrs: map[string][]byte{AttrACL: Encode(acl)}}
	if a, ok := ObjectACL(o); !ok || !reflect.DeepEqual(a, acl) {
		t.Errorf("ObjectACL = %+v %v", a, ok)
	}
	if _, ok := ObjectACL(&store.Object{}); ok {
		t.Error("ObjectACL of an object without one")
	}
	if got, err := DecodePAB(EncodePAB(AllBlocked)); err != nil || got != AllBlocked {
		t.Errorf("PAB round trip: %+v %v", got, err)
	}
}
