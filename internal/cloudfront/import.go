package cloudfront

// This file holds entry points used only to load exported configurations
// (internal/world loading a doctor bundle); the API handlers never use them.

// IsManagedCachePolicy reports whether id is one of the AWS managed cache
// policies edgegate knows.
func IsManagedCachePolicy(id string) bool {
	for _, p := range managedCachePolicies {
		if p.id == id {
			return true
		}
	}
	return false
}

// IsManagedOriginRequestPolicy reports whether id is one of the AWS managed
// origin request policies edgegate knows.
func IsManagedOriginRequestPolicy(id string) bool {
	for _, p := range managedOriginRequestPolicies {
		if p.id == id {
			return true
		}
	}
	return false
}
