import Foundation
import GranaryAssessment
import GranaryAssistant
import GranaryEmbeddings
import GranaryGraph
import GranaryLearning
import GranaryModel
import GranaryReview
import GranarySearch
import GranaryStore
import Hummingbird
import HummingbirdCore
import HummingbirdHTTP2
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import Prometheus

/// How the service is started.
public struct AppConfiguration: Sendable {
    /// Address to listen on.
    public var host: String
    /// Port to listen on (0 picks a free one).
    public var port: Int
    /// Largest file accepted by an upload, in bytes.
    public var maximumUploadSize: Int64
    /// Where `openapi.json` and the vocabularies are.
    public var metadataDirectory: String
    /// Log level.
    public var logLevel: Logger.Level
    /// How long a reviewer's claim keeps others off an item, in seconds.
    public var claimDuration: TimeInterval
    /// The certificate and key to serve HTTPS with; nil serves plain HTTP (behind a proxy that does TLS).
    public var tls: TLSFiles?
    /// An OpenAI-compatible embeddings service for search by meaning (`--embeddings`); nil searches by words only.
    public var embeddings: EmbeddingClient?

    /// Creates a configuration.
    public init(
        host: String = "127.0.0.1",
        port: Int = 8080,
        maximumUploadSize: Int64 = 2048 << 20,
        metadataDirectory: String = "Metadata",
        logLevel: Logger.Level = .info,
        claimDuration: TimeInterval = 30 * 60,
        tls: TLSFiles? = nil,
        embeddings: EmbeddingClient? = nil
    ) {
        self.embeddings = embeddings
        self.host = host
        self.port = port
        self.maximumUploadSize = maximumUploadSize
        self.metadataDirectory = metadataDirectory
        self.logLevel = logLevel
        self.claimDuration = claimDuration
        self.tls = tls
    }
}

/// A certificate chain and its private key, PEM files, for serving HTTPS.
public struct TLSFiles: Sendable {
    /// The certificate, then any intermediates.
    public var certificate: String
    /// The private key, unencrypted.
    public var key: String

    public init(certificate: String, key: String) {
        self.certificate = certificate
        self.key = key
    }

    /// TLS 1.2 and 1.3 with this certificate and key; HTTP/2 offered by ALPN beside HTTP/1.1. A file that cannot
    /// be read is named in the error, before the service listens.
    func configuration() throws -> TLSConfiguration {
        let chain: [NIOSSLCertificate]
        let key: NIOSSLPrivateKey
        do {
            chain = try NIOSSLCertificate.fromPEMFile(self.certificate)
        } catch {
            throw TLSFilesError(file: self.certificate, what: "certificate", error: error)
        }
        guard !chain.isEmpty else { throw TLSFilesError(file: self.certificate, what: "certificate", error: nil) }
        do {
            key = try NIOSSLPrivateKey(file: self.key, format: .pem)
        } catch {
            throw TLSFilesError(file: self.key, what: "private key", error: error)
        }
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        return configuration
    }
}

/// A certificate or key file that could not be read as PEM.
public struct TLSFilesError: Error, CustomStringConvertible {
    let file: String
    let what: String
    let error: (any Error)?

    public var description: String {
        "cannot read the \(self.what) in \(self.file) as PEM" + (self.error.map { ": \($0)" } ?? ": it holds none")
    }
}

/// Builds the service over an opened library: recovers from an earlier crash, then wires every route.
/// The executable and the tests call this same function.
public func buildApplication(library: Library, configuration: AppConfiguration) async throws -> some ApplicationProtocol {
    var logger = Logger(label: "granary")
    logger.logLevel = configuration.logLevel
    try library.removeUnfinishedUploads(logger: logger)
    // A node given another key than the library's stops here, before it listens.
    try await library.accounts.prepareSealing()
    // The last service was killed: a blob stored just before then may have no row.
    let unclean = try library.beginRun()
    if unclean && !library.blobs.backend.isShared {
        // No upload is in flight yet: sweep before listening.
        let started = ContinuousClock.now
        let removed = try await library.removeOrphanBlobs(before: Date())
        logger.notice(
            "the last run did not stop cleanly: removed \(removed) stored file(s) without a row in \(ContinuousClock.now - started)",
            metadata: ["data": .string(library.dataDirectory)]
        )
    }
    if !library.occupations.problems.isEmpty {
        // The classification comes from an OCR; what it repaired or set aside is worth a look, not a refusal to start.
        logger.notice(
            "occupation classification: \(library.occupations.problems.count) line(s) repaired or set aside",
            metadata: ["first": .string(library.occupations.problems[0])]
        )
    }
    let search = SearchService(resources: library.resources, feed: library.database.feed)
    let started = ContinuousClock.now
    let indexed = try await search.rebuild()
    logger.info("search index built: \(indexed) resources in \(ContinuousClock.now - started)")
    // The map's counts of published resources per point come from the search index's columns, not the tables.
    let graph = GraphService(database: library.database, resourceCounts: IndexedPointCounts(search: search))
    // A shared store is listed in the background, once the node serves (a large bucket takes a while to list).
    let integrity = IntegrityCheck(library: library, logger: logger, sweepSharedOrphans: unclean && library.blobs.backend.isShared)
    let analytics = Analytics(database: library.database)
    // Search by meaning, when a model service is configured: passages embedded off the request path.
    var meaning: MeaningSearch?
    var embedder: Embedder?
    if let client = configuration.embeddings {
        let index = VectorIndex()
        embedder = Embedder(client: client, library: library, index: index, logger: logger)
        meaning = MeaningSearch(client: client, index: index, search: search, library: library)
    }
    let polling = ChangeFeedPolling(
        feed: library.database.feed,
        // The usage index comes last: its first catch-up builds it (seconds at full size), off the request path.
        followers: [search.catchUp, graph.catchUp, analytics.prepare],
        interval: .milliseconds(250),
        logger: logger
    )
    let router = try buildRouter(
        library: library,
        configuration: configuration,
        integrity: integrity,
        search: search,
        graph: graph,
        analytics: analytics,
        meaning: meaning
    )
    // The upload handler answers `Expect: 100-continue` itself, on HTTP/1.1 and on each HTTP/2 stream alike.
    let http = HTTP1Channel.Configuration(additionalChannelHandlers: [ExpectContinueHandler()])
    let server: HTTPServerBuilder =
        if let tls = configuration.tls {
            try .http2Upgrade(tlsConfiguration: tls.configuration(), configuration: .init(streamConfiguration: http))
        } else {
            .http1(configuration: http)
        }
    return Application(
        router: router,
        server: server,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "Granary"),
        services: [integrity, polling] + (embedder.map { [$0] } ?? []),
        logger: logger
    )
}

/// The router with every route of `/api/v1`, the web pages and their middleware.
func buildRouter(
    library: Library,
    configuration: AppConfiguration,
    integrity: IntegrityCheck,
    search: SearchService,
    graph: GraphService,
    analytics: Analytics? = nil,
    meaning: MeaningSearch? = nil
) throws -> Router<AppRequestContext> {
    let registry = PrometheusCollectorRegistry()
    let openAPIPath = configuration.metadataDirectory + "/openapi.json"
    let openAPIData = try Data(contentsOf: URL(fileURLWithPath: openAPIPath))
    let openAPIDocument = ByteBuffer(bytes: openAPIData)

    let reviews = ReviewService(database: library.database, claimDuration: configuration.claimDuration)
    let audit = AuditTrail(database: library.database)
    let recommendations = Recommendations(database: library.database, resources: library.resources, search: search)
    var suggestPassages: (@Sendable (String, User) async throws -> [Post.Suggestion])?
    if let meaning { suggestPassages = { question, asker in try await meaning.suggestions(for: question, asker: asker) } }
    let learning = LearningController(
        offerings: OfferingStore(database: library.database),
        progress: ProgressStore(database: library.database),
        discussions: DiscussionStore(database: library.database),
        recommendations: LearnerRecommendations(database: library.database, finder: IndexedResourceFinder(search: search)),
        analytics: analytics ?? Analytics(database: library.database),
        suggestPassages: suggestPassages
    )
    let attempts = AttemptStore(database: library.database, offerings: learning.offerings)
    let questions = QuestionStore(database: library.database)
    let questionFiles = QuestionFiles(database: library.database, blobs: library.blobs, inspector: library.inspector)
    let papers = PaperStore(database: library.database)
    let pages = Pages(
        renderer: try PageRenderer.load(),
        assets: try StaticAssets.load(),
        accounts: library.accounts,
        names: CatalogueNames(catalogue: library.catalogue)
    )
    let web = WebInterface(
        pages: pages,
        session: SessionPages(pages: pages, accounts: library.accounts),
        home: HomePages(pages: pages, catalogue: library.catalogue),
        search: SearchPages(pages: pages, search: search, meaning: meaning),
        resources: ResourcePages(
            pages: pages,
            resources: library.resources,
            catalogue: library.catalogue,
            recommendations: recommendations,
            offerings: learning.offerings,
            progress: learning.progress
        ),
        authoring: AuthoringPages(
            pages: pages,
            papers: papers,
            questions: questions,
            catalogue: library.catalogue,
            maximumUploadSize: configuration.maximumUploadSize
        ),
        review: ReviewPages(pages: pages, reviews: reviews, resources: library.resources, questions: questions, catalogue: library.catalogue),
        report: ReportPages(pages: pages, reports: ReportService(database: library.database, analytics: learning.analytics)),
        attempts: AttemptPages(pages: pages, attempts: attempts, offerings: learning.offerings, papers: papers),
        learning: LearningPages(
            pages: pages,
            offerings: learning.offerings,
            progress: learning.progress,
            discussions: learning.discussions,
            learnerRecommendations: learning.recommendations,
            mastery: MasteryStore(database: library.database),
            graph: graph,
            catalogue: library.catalogue
        ),
        analytics: AnalyticsPages(pages: pages, analytics: learning.analytics),
        administration: AdministrationPages(pages: pages, accounts: library.accounts, audit: audit)
    )

    // HEAD is answered wherever GET is (RFC 9110 §9.3.2): the router runs GET and drops the body.
    let router = Router(context: AppRequestContext.self, options: .autoGenerateHeadEndpoints)
    // Outermost first: HSTS and secure cookies on every answer, metrics see the final status, problems cover every
    // error below them.
    if configuration.tls != nil { router.add(middleware: TransportSecurity()) }
    router.add(middleware: RequestMetrics(factory: PrometheusMetricsFactory(registry: registry)))
    router.add(middleware: ProblemMiddleware())
    router.add(middleware: try MethodNotAllowed(openAPIDocument: openAPIData))
    router.add(middleware: RequestTargetCheck())
    router.add(middleware: BearerAuthenticator(accounts: library.accounts, refusalPage: web.pages.refusalPage))

    let system = SystemController(library: library, openAPIDocument: openAPIDocument, registry: registry, integrity: integrity)
    router.get("metrics", use: system.metrics)
    let api = router.group("api/v1")
    system.addRoutes(to: api)
    SessionController(accounts: library.accounts).addRoutes(to: api)
    PersonalDataController(
        accounts: library.accounts,
        resources: library.resources,
        progress: learning.progress,
        attempts: attempts,
        discussions: learning.discussions
    ).addRoutes(to: api)
    AdminController(accounts: library.accounts).addRoutes(to: api)
    AuditController(audit: audit).addRoutes(to: api)
    CatalogueController(catalogue: library.catalogue, national: library.nationalCatalogue, occupations: library.occupations).addRoutes(to: api)
    GraphController(graph: graph, mastery: MasteryStore(database: library.database)).addRoutes(to: api)
    QuestionFileController(files: questionFiles, attempts: attempts, blobs: library.blobs, fileIO: FileIO(threadPool: .singleton)).addRoutes(to: api)
    QuestionController(
        questions: questions,
        files: questionFiles,
        exporter: QuestionExporter(database: library.database, files: questionFiles),
        metadataDirectory: configuration.metadataDirectory
    )
    .addRoutes(to: api)
    PaperController(
        papers: papers,
        attempts: attempts,
        mastery: MasteryStore(database: library.database),
        practice: PracticeStore(database: library.database)
    ).addRoutes(to: api)
    ResourceController(
        resources: library.resources,
        search: search,
        blobs: library.blobs,
        fileIO: FileIO(threadPool: .singleton),
        maximumUploadSize: configuration.maximumUploadSize,
        analytics: learning.analytics
    ).addRoutes(to: api)
    learning.addRoutes(to: api)
    ReviewController(reviews: reviews).addRoutes(to: api)
    SearchController(search: search, recommendations: recommendations, meaning: meaning).addRoutes(to: api)
    ReportController(reports: ReportService(database: library.database, analytics: learning.analytics)).addRoutes(to: api)
    // The learning assistant for AI clients (Model Context Protocol), over the same services.
    let assistant = Assistant(
        library: library,
        search: search,
        graph: graph,
        learnerRecommendations: learning.recommendations,
        meaning: meaning,
        logger: Logger(label: "granary.assistant")
    )
    AssistantController(sessions: AssistantSessions(assistant: assistant), secure: configuration.tls != nil).addRoutes(to: router)
    // The Chinese pages at `/`, clients of the same stores and services.
    web.addRoutes(to: router)
    return router
}
