package kms

import (
	"fmt"

	"github.com/edgegate/edgegate/internal/awsapi"
	"github.com/edgegate/edgegate/internal/policy"
)

// defaultKeyPolicy is the key policy CreateKey applies when none is given
// (key-policy-default.html, "Default key policy when you create a KMS key
// programmatically"), spelled as GetKeyPolicy returns it.
func defaultKeyPolicy(account string) string {
	return `{
  "Version" : "2012-10-17",
  "Id" : "key-default-1",
  "Statement" : [ {
    "Sid" : "Enable IAM User Permissions",
    "Effect" : "Allow",
    "Principal" : {
      "AWS" : "arn:aws:iam::` + account + `:root"
    },
    "Action" : "kms:*",
    "Resource" : "*"
  } ]
}`
}

// managedServices are the AWS managed keys edgegate knows: service name
// to alias and description.
var managedServices = map[string]struct{ alias, description string }{
	"s3": {"alias/aws/s3", "Default key that protects my S3 objects when no other key is defined"},
}

func managedServiceForAlias(alias string) (string, bool) {
	for svc, m := range managedServices {
		if m.alias == alias {
			return svc, true
		}
	}
	return "", false
}

// managedKeyPolicy is the policy of the AWS managed key of service in
// account: for aws/s3 the documented "auto-s3-2" policy: every principal
// of the account may use the key through S3 (kms:ViaService
// s3.REGION.amazonaws.com, kms:CallerAccount ACCT), and the account may
// read its metadata directly. Nobody may change it, disable it or
// schedule its deletion: the policy allows none of those actions.
func managedKeyPolicy(service, region, account string) string {
	return `{
  "Version" : "2012-10-17",
  "Id" : "auto-` + service + `-2",
  "Statement" : [ {
    "Sid" : "Allow access through S3 for all principals in the account that are authorized to use S3",
    "Effect" : "Allow",
    "Principal" : {
      "AWS" : "*"
    },
    "Action" : [ "kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey" ],
    "Resource" : "*",
    "Condition" : {
      "StringEquals" : {
        "kms:CallerAccount" : "` + account + `",
        "kms:ViaService" : "` + service + `.` + region + `.amazonaws.com"
      }
    }
  }, {
    "Sid" : "Allow direct access to key metadata to the account",
    "Effect" : "Allow",
    "Principal" : {
      "AWS" : "arn:aws:iam::` + account + `:root"
    },
    "Action" : [ "kms:Describe*", "kms:Get*", "kms:List*" ],
    "Resource" : "*"
  } ]
}`
}

// GetOrCreateManagedKey returns the AWS managed key of service ("s3")
// in account, creating it (and its alias, alias/aws/s3) on first use as
// AWS does. S3 calls it for SSE-KMS without a key id.
func (s *Service) GetOrCreateManagedKey(account, service string) (*KeyInfo, error) {
	return s.ensureManagedKey(account, service)
}

func (s *Service) ensureManagedKey(account, service string) (*KeyInfo, error) {
	m, ok := managedServices[service]
	if !ok {
		return nil, fmt.Errorf("kms: no AWS managed key for service %q", service)
	}
	if !isAccount(account) {
		return nil, fmt.Errorf("kms: bad account id %q", account)
	}
	ak := aliasKey{account, s.region, m.alias}
	s.mu.RLock()
	if a, ok := s.aliases[ak]; ok {
		if k, ok := s.keys[a.target]; ok {
			info := k.info()
			s.mu.RUnlock()
			return info, nil
		}
	}
	s.mu.RUnlock()

	s.mu.Lock()
	defer s.mu.Unlock()
	if a, ok := s.aliases[ak]; ok {
		if k, ok := s.keys[a.target]; ok {
			return k.info(), nil
		}
	}
	now := s.now().UTC()
	k, err := s.newKeyRec(account, now)
	if err != nil {
		return nil, err
	}
	k.manager, k.service, k.description = ManagerAWS, service, m.description
	k.policyDoc = managedKeyPolicy(service, s.region, account)
	if k.policy, err = policy.Parse([]byte(k.policyDoc), policy.KeyPolicy); err != nil {
		return nil, fmt.Errorf("kms: managed key policy: %w", err)
	}
	s.addKeyLocked(k)
	s.aliases[ak] = &aliasRec{account: account, region: s.region, name: m.alias, target: k.id, created: now, updated: now}
	if err := s.commitLocked(func() {
		delete(s.aliases, ak)
		s.removeKeyLocked(k.id)
	}); err != nil {
		return nil, err
	}
	return k.info(), nil
}

// errManagedKey refuses changes AWS never allows on an AWS managed key
// even where a policy would: they are caught by its key policy first, so
// this is a second line (message UNCONFIRMED).
func errManagedKey(arn string) *awsapi.Error {
	return errUnsupported.WithMessage(arn + " is an AWS managed key; it cannot be modified.")
}
