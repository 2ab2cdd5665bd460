package server

import (
	"github.com/edgegate/edgegate/internal/cloudfront"
	"github.com/edgegate/edgegate/internal/iam"
	"github.com/edgegate/edgegate/internal/kms"
	"github.com/edgegate/edgegate/internal/s3"
)

// The services, for loading exported configurations into a server
// (internal/world) through their import entry points. Requests never go
// through these: they go through ServeHTTP.

// S3 returns the S3 service.
func (s *Server) S3() *s3.Service { return s.s3 }

// KMS returns the KMS service.
func (s *Server) KMS() *kms.Service { return s.kms }

// CloudFront returns the CloudFront control plane.
func (s *Server) CloudFront() *cloudfront.Service { return s.cf }

// Accounts returns the account registry.
func (s *Server) Accounts() *iam.Registry { return s.accounts }

// Region returns the region the server's endpoint claims.
func (s *Server) Region() string { return s.cfg.Region }
