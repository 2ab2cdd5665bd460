package cloudfront

// TEMPORARY during development (distributions): handlers not written yet.
// This file is deleted once each handler has moved to its own file.

import "github.com/edgegate/edgegate/internal/awsapi"

func createDistributionWithTags(k *call) *awsapi.Error { return cfError("NotImplemented", "CreateDistributionWithTags not written yet") }

func createDistribution(k *call) *awsapi.Error { return cfError("NotImplemented", "CreateDistribution not written yet") }

func listDistributions(k *call) *awsapi.Error { return cfError("NotImplemented", "ListDistributions not written yet") }

func getDistribution(k *call) *awsapi.Error { return cfError("NotImplemented", "GetDistribution not written yet") }

func deleteDistribution(k *call) *awsapi.Error { return cfError("NotImplemented", "DeleteDistribution not written yet") }

func getDistributionConfig(k *call) *awsapi.Error { return cfError("NotImplemented", "GetDistributionConfig not written yet") }

func updateDistribution(k *call) *awsapi.Error { return cfError("NotImplemented", "UpdateDistribution not written yet") }

