import Hummingbird

/// The Chinese web interface at `/`: server-rendered pages over the same stores and services as `/api/v1`, in
/// families that each hold only what they read.
///
/// Pages hold no logic of their own: they read through the services the API controllers use and change things either
/// through those same calls (log-in, review decisions) or from `app.js` with `fetch` against the API itself (uploads,
/// ratings, papers, offerings). What the families share (layout, who is asking, error pages) is `Pages`.
struct WebInterface: Sendable {
    let pages: Pages
    let session: SessionPages
    let home: HomePages
    let search: SearchPages
    let resources: ResourcePages
    let authoring: AuthoringPages
    let review: ReviewPages
    let report: ReportPages
    let attempts: AttemptPages
    let learning: LearningPages
    let analytics: AnalyticsPages
    let administration: AdministrationPages

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("static/{name}", use: self.pages.assets.serve)
        let pages = router.group().add(middleware: PageErrors(pages: self.pages))
        self.home.addRoutes(to: pages)
        self.session.addRoutes(to: pages)
        self.search.addRoutes(to: pages)
        self.resources.addRoutes(to: pages)
        self.authoring.addRoutes(to: pages)
        self.review.addRoutes(to: pages)
        self.report.addRoutes(to: pages)
        self.attempts.addRoutes(to: pages)
        self.learning.addRoutes(to: pages)
        self.analytics.addRoutes(to: pages)
        self.administration.addRoutes(to: pages)
    }
}
