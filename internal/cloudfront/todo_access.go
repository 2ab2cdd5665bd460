package cloudfront

// TEMPORARY during development (access, invalidations, tags, policies): handlers not written yet.
// This file is deleted once each handler has moved to its own file.

import "github.com/edgegate/edgegate/internal/awsapi"

func createInvalidation(k *call) *awsapi.Error { return cfError("NotImplemented", "CreateInvalidation not written yet") }

func listInvalidations(k *call) *awsapi.Error { return cfError("NotImplemented", "ListInvalidations not written yet") }

func getInvalidation(k *call) *awsapi.Error { return cfError("NotImplemented", "GetInvalidation not written yet") }

func createOAC(k *call) *awsapi.Error { return cfError("NotImplemented", "CreateOriginAccessControl not written yet") }

func listOACs(k *call) *awsapi.Error { return cfError("NotImplemented", "ListOriginAccessControls not written yet") }

func getOAC(k *call) *awsapi.Error { return cfError("NotImplemented", "GetOriginAccessControl not written yet") }

func getOACConfig(k *call) *awsapi.Error { return cfError("NotImplemented", "GetOriginAccessControlConfig not written yet") }

func updateOAC(k *call) *awsapi.Error { return cfError("NotImplemented", "UpdateOriginAccessControl not written yet") }

func deleteOAC(k *call) *awsapi.Error { return cfError("NotImplemented", "DeleteOriginAccessControl not written yet") }

func createOAI(k *call) *awsapi.Error { return cfError("NotImplemented", "CreateCloudFrontOriginAccessIdentity not written yet") }

func listOAIs(k *call) *awsapi.Error { return cfError("NotImplemented", "ListCloudFrontOriginAccessIdentities not written yet") }

func getOAI(k *call) *awsapi.Error { return cfError("NotImplemented", "GetCloudFrontOriginAccessIdentity not written yet") }

func getOAIConfig(k *call) *awsapi.Error { return cfError("NotImplemented", "GetCloudFrontOriginAccessIdentityConfig not written yet") }

func updateOAI(k *call) *awsapi.Error { return cfError("NotImplemented", "UpdateCloudFrontOriginAccessIdentity not written yet") }

func deleteOAI(k *call) *awsapi.Error { return cfError("NotImplemented", "DeleteCloudFrontOriginAccessIdentity not written yet") }

func createCachePolicy(k *call) *awsapi.Error { return cfError("NotImplemented", "CreateCachePolicy not written yet") }

func listCachePolicies(k *call) *awsapi.Error { return cfError("NotImplemented", "ListCachePolicies not written yet") }

func getCachePolicy(k *call) *awsapi.Error { return cfError("NotImplemented", "GetCachePolicy not written yet") }

func getCachePolicyConfig(k *call) *awsapi.Error { return cfError("NotImplemented", "GetCachePolicyConfig not written yet") }

func updateCachePolicy(k *call) *awsapi.Error { return cfError("NotImplemented", "UpdateCachePolicy not written yet") }

func deleteCachePolicy(k *call) *awsapi.Error { return cfError("NotImplemented", "DeleteCachePolicy not written yet") }

func createOriginRequestPolicy(k *call) *awsapi.Error { return cfError("NotImplemented", "CreateOriginRequestPolicy not written yet") }

func listOriginRequestPolicies(k *call) *awsapi.Error { return cfError("NotImplemented", "ListOriginRequestPolicies not written yet") }

func getOriginRequestPolicy(k *call) *awsapi.Error { return cfError("NotImplemented", "GetOriginRequestPolicy not written yet") }

func getOriginRequestPolicyConfig(k *call) *awsapi.Error { return cfError("NotImplemented", "GetOriginRequestPolicyConfig not written yet") }

func updateOriginRequestPolicy(k *call) *awsapi.Error { return cfError("NotImplemented", "UpdateOriginRequestPolicy not written yet") }

func deleteOriginRequestPolicy(k *call) *awsapi.Error { return cfError("NotImplemented", "DeleteOriginRequestPolicy not written yet") }

func listTagsForResource(k *call) *awsapi.Error { return cfError("NotImplemented", "ListTagsForResource not written yet") }

func tagResource(k *call) *awsapi.Error { return cfError("NotImplemented", "TagResource not written yet") }

func untagResource(k *call) *awsapi.Error { return cfError("NotImplemented", "UntagResource not written yet") }

// cachePolicyExistsLocked reports whether account may use cache policy id
// (a managed policy or one of its own). TEMPORARY: managed ones pending.
func (s *Service) cachePolicyExistsLocked(account, id string) bool {
	p, ok := s.state.CachePolicies[id]
	return ok && p.Account == account
}

// originRequestPolicyExistsLocked is cachePolicyExistsLocked for origin
// request policies. TEMPORARY: managed ones pending.
func (s *Service) originRequestPolicyExistsLocked(account, id string) bool {
	p, ok := s.state.ORPolicies[id]
	return ok && p.Account == account
}
