// GatewayHost calls AddGatewayObservability and MapGatewayObservability; the host and the stream layer record
// through GatewayMetrics and log URLs through LogRedaction everywhere, so the namespace is imported project-wide.
global using MmsGateway.Observability;
