import Hummingbird
import Metrics

/// Counts requests and times them per route and status, into the factory the application was given
/// (Prometheus in the service), never into a process-wide global.
struct RequestMetrics<Context: RequestContext>: RouterMiddleware {
    let factory: any MetricsFactory

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        let route = context.endpointPath ?? "unmatched"
        let dimensions = [("method", request.method.rawValue), ("route", route), ("status", String(response.status.code))]
        Counter(label: "granary_http_requests_total", dimensions: dimensions, factory: self.factory).increment()
        let elapsed = ContinuousClock.now - start
        Metrics.Timer(
            label: "granary_http_request_duration_seconds",
            dimensions: [("method", request.method.rawValue), ("route", route)],
            factory: self.factory
        )
        .recordNanoseconds(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
        return response
    }
}
