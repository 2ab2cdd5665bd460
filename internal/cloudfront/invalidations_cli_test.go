package cloudfront_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/smithy-go"
)

func axInvalidationBatch(ref string, paths []string) map[string]any {
	return map[string]any{"CallerReference": ref, "Paths": map[string]any{"Quantity": len(paths), "Items": paths}}
}

func TestInvalidationCLI(t *testing.T) {
	t.Parallel()
	_, cli := axStart(t)
	distID, _ := axCreateDistribution(t, cli, nil, axDistConfig("inv-dist", nil))

	out := cli.JSON(nil, "cloudfront", "create-invalidation", "--distribution-id", distID, "--paths", "/index.html", "/img/*")
	id := axStr(out, "Invalidation", "Id")
	if id == "" || !strings.HasSuffix(axStr(out, "Location"), "/distribution/"+distID+"/invalidation/"+id) ||
		axGet(out, "Invalidation", "InvalidationBatch", "Paths", "Quantity") != 2.0 {
		t.Fatalf("create: %v", out)
	}
	// DeployDelay is 0 in tests: the batch completes at once.
	cli.Run(nil, "cloudfront", "wait", "invalidation-completed", "--distribution-id", distID, "--id", id)
	out = cli.JSON(nil, "cloudfront", "get-invalidation", "--distribution-id", distID, "--id", id)
	if axStr(out, "Invalidation", "Status") != "Completed" || axStr(out, "Invalidation", "CreateTime") == "" {
		t.Fatalf("get: %v", out)
	}

	// A batch at the 3000-path limit, one over it, and a repeat.
	paths := make([]string, 3001)
	for i := range paths {
		paths[i] = fmt.Sprintf("/files/%04d.html", i)
	}
	batch := axFile(t, cli, "batch.json", axInvalidationBatch("big", paths[:3000]))
	out = cli.JSON(nil, "cloudfront", "create-invalidation", "--distribution-id", distID, "--invalidation-batch", batch)
	bigID := axStr(out, "Invalidation", "Id")
	if axGet(out, "Invalidation", "InvalidationBatch", "Paths", "Quantity") != 3000.0 {
		t.Fatalf("3000 paths: %v", axGet(out, "Invalidation", "Id"))
	}
	if again := cli.JSON(nil, "cloudfront", "create-invalidation", "--distribution-id", distID, "--invalidation-batch", batch); axStr(again, "Invalidation", "Id") != bigID {
		t.Fatalf("repeated batch: %v", axStr(again, "Invalidation", "Id"))
	}
	axFail(t, cli, nil, "InvalidationBatchAlreadyExists", "cloudfront", "create-invalidation", "--distribution-id", distID,
		"--invalidation-batch", axFile(t, cli, "batch2.json", axInvalidationBatch("big", paths[:2])))
	axFail(t, cli, nil, "BatchTooLarge", "cloudfront", "create-invalidation", "--distribution-id", distID,
		"--invalidation-batch", axFile(t, cli, "batch3.json", axInvalidationBatch("too-big", paths)))
	axFail(t, cli, nil, "InvalidArgument", "cloudfront", "create-invalidation", "--distribution-id", distID, "--paths", "index.html")
	axFail(t, cli, nil, "InvalidArgument", "cloudfront", "create-invalidation", "--distribution-id", distID, "--paths", "/a*b")
	axFail(t, cli, nil, "InconsistentQuantities", "cloudfront", "create-invalidation", "--distribution-id", distID,
		"--invalidation-batch", "CallerReference=q,Paths={Quantity=3,Items=[/a]}")
	axFail(t, cli, nil, "NoSuchDistribution", "cloudfront", "create-invalidation", "--distribution-id", "EUNKNOWN1234", "--paths", "/a")
	axFail(t, cli, axOtherEnv, "NoSuchDistribution", "cloudfront", "create-invalidation", "--distribution-id", distID, "--paths", "/a")
	axFail(t, cli, axOtherEnv, "NoSuchDistribution", "cloudfront", "get-invalidation", "--distribution-id", distID, "--id", id)
	axFail(t, cli, nil, "NoSuchInvalidation", "cloudfront", "get-invalidation", "--distribution-id", distID, "--id", "IUNKNOWN")

	// Newest first; the CLI pages through with MaxItems 1.
	out = cli.JSON(nil, "cloudfront", "list-invalidations", "--distribution-id", distID, "--page-size", "1")
	items, _ := axGet(out, "InvalidationList", "Items").([]any)
	if len(items) != 2 || axStr(items[0], "Id") != bigID || axStr(items[1], "Id") != id || axStr(items[1], "Status") != "Completed" {
		t.Fatalf("list: %v", out)
	}
	if out := cli.JSON(nil, "cloudfront", "get-distribution", "--id", distID); axGet(out, "Distribution", "InProgressInvalidationBatches") != 0.0 {
		t.Errorf("InProgressInvalidationBatches: %v", axGet(out, "Distribution", "InProgressInvalidationBatches"))
	}
}

func TestTaggingCLI(t *testing.T) {
	t.Parallel()
	_, cli := axStart(t)
	distID, _ := axCreateDistribution(t, cli, nil, axDistConfig("tag-dist", nil))
	arn := "arn:aws:cloudfront::000000000000:distribution/" + distID
	cli.Run(nil, "cloudfront", "tag-resource", "--resource", arn, "--tags", "Items=[{Key=env,Value=prod},{Key=team,Value=web}]")
	cli.Run(nil, "cloudfront", "untag-resource", "--resource", arn, "--tag-keys", "Items=team")
	out := cli.JSON(nil, "cloudfront", "list-tags-for-resource", "--resource", arn)
	items, _ := axGet(out, "Tags", "Items").([]any)
	if len(items) != 1 || axStr(items[0], "Key") != "env" || axStr(items[0], "Value") != "prod" {
		t.Fatalf("tags: %v", out)
	}
	axFail(t, cli, nil, "InvalidTagging", "cloudfront", "tag-resource", "--resource", arn, "--tags", "Items=[{Key=aws:owner,Value=x}]")
	axFail(t, cli, nil, "InvalidTagging", "cloudfront", "tag-resource", "--resource", arn, "--tags", "Items=[{Key=bad*key,Value=x}]")
	axFail(t, cli, nil, "NoSuchResource", "cloudfront", "list-tags-for-resource", "--resource", "arn:aws:cloudfront::000000000000:distribution/EUNKNOWN")
	// Another account's distribution: its ARN names an account the caller
	// has no rights in.
	axFail(t, cli, axOtherEnv, "AccessDenied", "cloudfront", "list-tags-for-resource", "--resource", arn)
	axFail(t, cli, axOtherEnv, "NoSuchResource", "cloudfront", "list-tags-for-resource", "--resource", "arn:aws:cloudfront::"+axOtherAccount+":distribution/"+distID)
}

// TestAccessAuthorizationSDK checks the IAM actions and resources with an
// IAM user (aws-sdk-go-v2): denied without a policy, allowed by one
// naming the actions.
func TestAccessAuthorizationSDK(t *testing.T) {
	t.Parallel()
	env, _ := axStart(t)
	bg := context.Background()
	root := env.IAM("test", "test")
	if _, err := root.CreateUser(bg, &iam.CreateUserInput{UserName: aws.String("dev")}); err != nil {
		t.Fatal(err)
	}
	k, err := root.CreateAccessKey(bg, &iam.CreateAccessKeyInput{UserName: aws.String("dev")})
	if err != nil {
		t.Fatal(err)
	}
	cfg := env.Config(*k.AccessKey.AccessKeyId, *k.AccessKey.SecretAccessKey)
	cfg.RetryMaxAttempts = 1
	dev := cloudfront.NewFromConfig(cfg)
	code := func(err error) string {
		var ae smithy.APIError
		if errors.As(err, &ae) {
			return ae.ErrorCode()
		}
		return fmt.Sprint(err)
	}
	oacInput := &cloudfront.CreateOriginAccessControlInput{OriginAccessControlConfig: &types.OriginAccessControlConfig{
		Name: aws.String("dev"), SigningProtocol: types.OriginAccessControlSigningProtocolsSigv4,
		SigningBehavior: types.OriginAccessControlSigningBehaviorsAlways, OriginAccessControlOriginType: types.OriginAccessControlOriginTypesS3,
	}}
	if _, err := dev.CreateOriginAccessControl(bg, oacInput); code(err) != "AccessDenied" {
		t.Fatalf("without a policy: %v", err)
	}
	if _, err := dev.ListCachePolicies(bg, &cloudfront.ListCachePoliciesInput{}); code(err) != "AccessDenied" {
		t.Fatalf("list without a policy: %v", err)
	}
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["cloudfront:CreateOriginAccessControl",` +
		`"cloudfront:GetOriginAccessControl","cloudfront:ListCachePolicies"],"Resource":"*"},` +
		`{"Effect":"Deny","Action":"cloudfront:DeleteOriginAccessControl","Resource":"*"}]}`
	if _, err := root.PutUserPolicy(bg, &iam.PutUserPolicyInput{UserName: aws.String("dev"), PolicyName: aws.String("cf"), PolicyDocument: aws.String(policy)}); err != nil {
		t.Fatal(err)
	}
	created, err := dev.CreateOriginAccessControl(bg, oacInput)
	if err != nil {
		t.Fatal(err)
	}
	got, err := dev.GetOriginAccessControl(bg, &cloudfront.GetOriginAccessControlInput{Id: created.OriginAccessControl.Id})
	if err != nil || *got.ETag != *created.ETag {
		t.Fatalf("get: %v", err)
	}
	if l, err := dev.ListCachePolicies(bg, &cloudfront.ListCachePoliciesInput{Type: types.CachePolicyTypeManaged}); err != nil || *l.CachePolicyList.Quantity != 7 {
		t.Fatalf("list: %v", err)
	}
	if _, err := dev.DeleteOriginAccessControl(bg, &cloudfront.DeleteOriginAccessControlInput{Id: created.OriginAccessControl.Id, IfMatch: created.ETag}); code(err) != "AccessDenied" {
		t.Fatalf("explicit deny: %v", err)
	}
	if _, err := dev.CreateCloudFrontOriginAccessIdentity(bg, &cloudfront.CreateCloudFrontOriginAccessIdentityInput{
		CloudFrontOriginAccessIdentityConfig: &types.CloudFrontOriginAccessIdentityConfig{CallerReference: aws.String("r"), Comment: aws.String("")},
	}); code(err) != "AccessDenied" {
		t.Fatalf("action not allowed: %v", err)
	}
}
