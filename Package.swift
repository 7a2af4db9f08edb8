// swift-tools-version:6.2
import PackageDescription

/// One set of settings for every target (STYLE.md).
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "granary",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "granary", targets: ["granary"])
    ],
    dependencies: [
        // HTTP server and its test client.
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: ["FullFoundation"]),
        // bcrypt password hashing (HummingbirdBcrypt only; it brings no other module of its package into the build).
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        // SQLite with migrations, WAL pools and FTS5.
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        // PostgreSQL for the cluster mode: a pool for statements, a connection of its own for LISTEN.
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        // SHA-256 at hardware speed for content addressing and token hashing.
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        // HTTP client for the S3 object store (signed with GranaryS3's SigV4).
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        // HTTPS served by `granary serve --tls-cert --tls-key` (HummingbirdHTTP2 over it); async-http-client already
        // depends on both.
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        // NIOHTTPTypes, for the 100-continue handler in the server pipeline; Hummingbird already depends on it.
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        // Prometheus text exposition for swift-metrics.
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        // Services on the application (the start-up integrity check); Hummingbird already depends on it.
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        // Server-rendered pages (the web interface), compiled once at start.
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        // The Model Context Protocol: Granary's tools for AI clients, over streamable HTTP at `/mcp` and over stdio.
        .package(url: "https://github.com/modelcontextprotocol/swift-sdk.git", from: "0.12.1"),
    ],
    targets: [
        .systemLibrary(
            name: "CMagic",
            path: "Sources/CMagic",
            pkgConfig: "libmagic",
            providers: [.apt(["libmagic-dev"])]
        ),
        .systemLibrary(
            name: "CZlib",
            path: "Sources/CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        .systemLibrary(
            name: "CLibXML2",
            path: "Sources/CLibXML2",
            pkgConfig: "libxml-2.0",
            providers: [.apt(["libxml2-dev"])]
        ),
        .target(
            name: "GranaryModel",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "GranaryStore",
            dependencies: [
                "GranaryModel",
                "CLibXML2",
                "CMagic",
                "CZlib",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                // The pool's own errors (no connection could be made) are told apart from the server's.
                .product(name: "_ConnectionPoolModule", package: "postgres-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // Blobs in S3-compatible object stores: AWS Signature Version 4 (no S3 SDK is among the mirrors) and the client.
        .target(
            name: "GranaryS3",
            dependencies: [
                "GranaryStore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "GranarySearch",
            dependencies: [
                "GranaryModel",
                "GranaryStore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "GranaryGraph",
            dependencies: [
                "GranaryModel",
                "GranaryStore",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "GranaryAssessment",
            dependencies: [
                "CLibXML2",
                "CZlib",
                "GranaryModel",
                "GranaryStore",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "GranaryLearning",
            dependencies: [
                "GranaryAssessment",
                "GranaryModel",
                "GranaryStore",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "GranaryReview",
            dependencies: [
                "GranaryLearning",
                "GranaryModel",
                "GranaryStore",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
        ),
        // The composition of every target's tables, for those that open the whole library.
        .target(
            name: "GranarySchema",
            dependencies: ["GranaryAssessment", "GranaryEmbeddings", "GranaryLearning", "GranaryReview", "GranaryStore"],
            swiftSettings: swiftSettings
        ),
        // Search by meaning: passages of published resources embedded by an OpenAI-compatible model service, an
        // in-process index, and fusion with the word ranking.
        .target(
            name: "GranaryEmbeddings",
            dependencies: [
                "GranaryModel",
                "GranarySearch",
                "GranaryStore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // The learning assistant (学习助手) as a Model Context Protocol server: tools, resources and prompts over the
        // same stores and services as the API, for whichever AI client a college uses.
        .target(
            name: "GranaryAssistant",
            dependencies: [
                "GranaryAssessment",
                "GranaryEmbeddings",
                "GranaryGraph",
                "GranaryLearning",
                "GranaryModel",
                "GranaryReview",
                "GranarySearch",
                "GranaryStore",
                .product(name: "MCP", package: "swift-sdk"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "GranaryHTTP",
            dependencies: [
                "GranaryAssessment",
                "GranaryAssistant",
                "GranaryEmbeddings",
                "GranaryGraph",
                "GranaryLearning",
                "GranaryModel",
                "GranaryReview",
                "GranarySearch",
                "GranaryStore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdHTTP2", package: "hummingbird"),
                .product(name: "MCP", package: "swift-sdk"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [.copy("Web/Templates"), .copy("Web/Static")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "GranaryDemo",
            dependencies: [
                "GranaryAssessment",
                "GranaryLearning",
                "GranaryModel",
                "GranaryReview",
                "GranaryStore",
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "GranaryBench",
            dependencies: [
                "GranaryAssessment",
                "GranaryEmbeddings",
                "GranaryGraph",
                "GranaryModel",
                "GranaryReview",
                "GranarySchema",
                "GranarySearch",
                "GranaryStore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "granary",
            dependencies: [
                "GranaryAssistant",
                "GranaryBench",
                "GranaryEmbeddings",
                "GranaryDemo",
                "GranaryHTTP",
                "GranaryModel",
                "GranaryReview",
                "GranaryS3",
                "GranarySchema",
                "GranarySearch",
                "GranaryStore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "MCP", package: "swift-sdk"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // What the test targets share: temporary folders that are removed, libraries in them.
        .target(
            name: "GranaryTestSupport",
            dependencies: ["GranaryModel", "GranaryS3", "GranaryStore"],
            path: "Tests/GranaryTestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GranaryModelTests",
            dependencies: ["GranaryModel"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GranaryStoreTests",
            dependencies: [
                "GranaryTestSupport",
                "GranaryModel",
                "GranaryStore",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GranaryS3Tests",
            dependencies: [
                "GranaryModel",
                "GranaryS3",
                "GranarySchema",
                "GranaryStore",
                "GranaryTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GranaryEmbeddingsTests",
            dependencies: ["GranaryEmbeddings", "GranaryModel"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GranarySearchTests",
            dependencies: ["GranaryModel", "GranarySearch"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GranaryAssessmentTests",
            dependencies: [
                "GranaryTestSupport",
                "GranaryAssessment",
                "GranaryModel",
                "GranaryStore",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GranaryLearningTests",
            dependencies: [
                "GranaryLearning",
                "GranaryModel",
                "GranaryStore",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GranaryGraphTests",
            dependencies: [
                "GranaryTestSupport",
                "GranaryGraph",
                "GranaryModel",
                "GranaryStore",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GranaryReviewTests",
            dependencies: [
                "GranaryTestSupport",
                "GranaryDemo",
                "GranaryModel",
                "GranaryReview",
                "GranarySchema",
                "GranaryStore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GranarySchemaTests",
            dependencies: [
                "GranaryAssessment",
                "GranaryEmbeddings",
                "GranaryLearning",
                "GranaryModel",
                "GranarySchema",
                "GranaryStore",
                "GranaryTestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GranaryHTTPTests",
            dependencies: [
                "GranaryTestSupport",
                "GranaryAssessment",
                "GranaryDemo",
                "GranaryGraph",
                "GranaryLearning",
                "GranaryHTTP",
                "GranaryModel",
                "GranaryReview",
                "GranaryS3",
                "GranarySchema",
                "GranarySearch",
                "GranaryStore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
