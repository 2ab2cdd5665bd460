package policy

import (
	"net/netip"
	"strings"
)

// PublicOptions tunes IsPublic. The zero value applies spec §1.6.
type PublicOptions struct {
	// Keys are the condition keys (lowercased) whose fixed values make an
	// Allow statement non-public; nil means DefaultPublicConditionKeys.
	Keys []string
	// MinIPv4Bits and MinIPv6Bits are the broadest aws:SourceIp CIDRs that
	// still restrict a statement; 0 means /8 and /32.
	MinIPv4Bits, MinIPv6Bits int
	// PrivateIPv4Restricts makes RFC 1918 ranges count as restricting;
	// by default (spec §1.6, UNCONFIRMED) they do not.
	PrivateIPv4Restricts bool
}

// DefaultPublicConditionKeys are the keys of spec §1.6 whose fixed values
// make a statement non-public (aws:SourceIp is handled apart, by CIDR size).
var DefaultPublicConditionKeys = []string{
	"aws:sourcearn",
	"aws:sourcevpc",
	"aws:sourcevpce",
	"aws:sourceowner",
	"aws:sourceaccount",
	"s3:x-amz-server-side-encryption-aws-kms-key-id",
	"aws:userid",
	"s3:dataaccesspointarn",
	"s3:dataaccesspointaccount",
	"aws:principalorgid",
}

var rfc1918 = []netip.Prefix{
	netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.168.0.0/16"),
}

// IsPublic reports whether the policy is "public" in the Block Public Access
// sense (spec §1.6): whether some Allow statement grants to everyone. An
// Allow statement is non-public when its principal is fixed (no "*" and no
// {"AWS":"*"}, and not a NotPrincipal), or when it has a positive condition
// with fixed values (no wildcard, no variable) on one of the listed keys, or
// an IpAddress condition on aws:SourceIp whose every CIDR is narrow enough.
// Deny statements never make a policy public.
func (p *Policy) IsPublic(opts PublicOptions) bool {
	return len(p.PublicStatements(opts)) > 0
}

// PublicStatements returns the indexes of the statements that make the
// policy public (see IsPublic), for explanations.
func (p *Policy) PublicStatements(opts PublicOptions) []int {
	var out []int
	for i := range p.stmts {
		if p.stmts[i].isPublic(&opts) {
			out = append(out, i)
		}
	}
	return out
}

func (s *Statement) isPublic(o *PublicOptions) bool {
	if s.effect != EffectAllow {
		return false
	}
	if s.hasPrincipal && !s.notPrincipal {
		fixed := true
		for i := range s.principals {
			if s.principals[i].kind == pAny {
				fixed = false
			}
		}
		if fixed {
			return false
		}
	}
	if !s.hasPrincipal { // identity policies grant to their holder only
		return false
	}
	for i := range s.conds {
		if s.conds[i].restricts(o) {
			return false
		}
	}
	return true
}

// restricts reports whether the condition pins its key to fixed values.
func (c *cond) restricts(o *PublicOptions) bool {
	if c.op.neg || c.ifExists || c.set == setAll {
		return false
	}
	if c.key == "aws:sourceip" {
		if c.op.fam != fIP || len(c.nets) == 0 {
			return false
		}
		min4, min6 := o.MinIPv4Bits, o.MinIPv6Bits
		if min4 == 0 {
			min4 = 8
		}
		if min6 == 0 {
			min6 = 32
		}
		for _, n := range c.nets {
			if n.Addr().Is4() {
				if n.Bits() < min4 {
					return false
				}
				if !o.PrivateIPv4Restricts {
					for _, r := range rfc1918 {
						if r.Overlaps(n) {
							return false
						}
					}
				}
			} else if n.Bits() < min6 {
				return false
			}
		}
		return true
	}
	keys := o.Keys
	if keys == nil {
		keys = DefaultPublicConditionKeys
	}
	listed := false
	for _, k := range keys {
		if strings.EqualFold(k, c.key) {
			listed = true
			break
		}
	}
	if !listed {
		return false
	}
	switch c.op.fam {
	case fString:
		if len(c.strs) == 0 {
			return false
		}
		for i := range c.strs {
			if c.strs[i].hasVar || strings.ContainsAny(c.strs[i].raw, "*?") {
				return false
			}
		}
		return true
	case fARN:
		if len(c.arns) == 0 {
			return false
		}
		for i := range c.arns {
			if c.arns[i].hasVar() || c.arns[i].hasWildcard() {
				return false
			}
		}
		return true
	}
	return false
}
