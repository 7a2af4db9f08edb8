import Foundation
import GranaryModel
import GranaryTestSupport
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import GranaryHTTP

/// HTTPS served by Granary itself (`granary serve --tls-cert --tls-key`): a real TLS server, a real client.
@Suite struct TransportSecurityTests {
    /// A self-signed certificate for 127.0.0.1 and its key, written by the openssl command.
    static func certificate(in folder: String) throws -> TLSFiles {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let files = TLSFiles(certificate: folder + "/cert.pem", key: folder + "/key.pem")
        let openssl = Process()
        openssl.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        openssl.arguments = [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", files.key, "-out", files.certificate,
        ]
        openssl.standardError = FileHandle.nullDevice
        try openssl.run()
        openssl.waitUntilExit()
        #expect(openssl.terminationStatus == 0)
        return files
    }

    @Test func overHTTPSEveryAnswerCarriesHSTSAndEveryCookieIsSecure() async throws {
        var lib = try await TestLibrary.seeded([("learner", .learner)])
        lib.configuration.tls = try Self.certificate(in: lib.directory)
        try await lib.test(.ahc(.https)) { client in
            let health = try await client.call(.get, "/api/v1/health")
            #expect(health.status == .ok)
            #expect(health.headers[HTTPField.Name("Strict-Transport-Security")!] == "max-age=31536000")
            // A refusal carries it too, and the forms' and the session's cookies travel over HTTPS only.
            let refused = try await client.call(.get, "/api/v1/me")
            #expect(refused.status == .unauthorized)
            #expect(refused.headers[HTTPField.Name("Strict-Transport-Security")!] != nil)
            let form = try await client.page("/login")
            #expect(!form.setCookies.isEmpty)
            #expect(form.setCookies.allSatisfy { $0.hasSuffix("; Secure") || $0.contains("; Secure;") })
            let token = try await client.logIn("learner")
            #expect(try await client.call(.get, "/api/v1/me", token: token).status == .ok)
        }
    }

    @Test func overPlainHTTPNothingClaimsHTTPS() async throws {
        let lib = try await TestLibrary.seeded([("learner", .learner)])
        try await lib.test(.live) { client in
            let health = try await client.call(.get, "/api/v1/health")
            #expect(health.headers[HTTPField.Name("Strict-Transport-Security")!] == nil)
            #expect(try await client.page("/login").setCookies.allSatisfy { !$0.contains("Secure") })
        }
    }

    @Test func aCertificateOrKeyThatIsNotPEMStopsTheStartAndNamesTheFile() async throws {
        let folder = TestFolders.make("tls")
        let good = try Self.certificate(in: folder)
        try Data("not a certificate".utf8).write(to: URL(fileURLWithPath: folder + "/bad.pem"))
        var lib = try await TestLibrary()
        for (files, named) in [
            (TLSFiles(certificate: folder + "/missing.pem", key: good.key), "missing.pem"),
            (TLSFiles(certificate: folder + "/bad.pem", key: good.key), "bad.pem"),
            (TLSFiles(certificate: good.certificate, key: folder + "/bad.pem"), "bad.pem"),
            // A certificate is no key.
            (TLSFiles(certificate: good.certificate, key: good.certificate), "cert.pem"),
        ] {
            lib.configuration.tls = files
            let error = await #expect(throws: TLSFilesError.self) { try await lib.test { _ in } }
            #expect(error.map { "\($0)".contains(named) } == true, "\(String(describing: error))")
        }
    }

    @Test func aCookieAlreadySecureIsLeftAsItIs() {
        #expect(TransportSecurity<AppRequestContext>.isSecure("a=1; Path=/; Secure"))
        #expect(TransportSecurity<AppRequestContext>.isSecure("a=1; secure; HttpOnly"))
        #expect(!TransportSecurity<AppRequestContext>.isSecure("a=Secure; Path=/"))
        #expect(!TransportSecurity<AppRequestContext>.isSecure("a=1; Path=/secure"))
    }
}
