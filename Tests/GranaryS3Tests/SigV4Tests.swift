import Foundation
import GranaryS3
import Testing

/// The signer against AWS's published vectors: the S3 documentation's four worked examples (step by step for the
/// first) and the cases of the Signature Version 4 test suite that S3's rules share (no path normalisation).
@Suite struct SigV4Tests {
    static let emptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    // MARK: - The S3 documentation's examples

    /// AKIAIOSFODNN7EXAMPLE in us-east-1, 24 May 2013 at midnight UTC, on examplebucket.
    static let s3 = SigV4Signer(
        credentials: .init(accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
        region: "us-east-1"
    )
    static let may24 = Date(timeIntervalSince1970: 1_369_353_600)
    static let bucketHost = ("Host", "examplebucket.s3.amazonaws.com")

    @Test func getObjectWithARangeMatchesEveryStepOfTheExample() {
        let request = SigV4Signer.Request(
            method: "GET",
            path: "/test.txt",
            headers: [Self.bucketHost, ("Range", "bytes=0-9"), ("x-amz-content-sha256", Self.emptyHash), ("x-amz-date", "20130524T000000Z")],
            payloadHash: Self.emptyHash
        )
        let signed = Self.s3.sign(request, at: Self.may24)
        #expect(
            signed.canonicalRequest == """
                GET
                /test.txt

                host:examplebucket.s3.amazonaws.com
                range:bytes=0-9
                x-amz-content-sha256:\(Self.emptyHash)
                x-amz-date:20130524T000000Z

                host;range;x-amz-content-sha256;x-amz-date
                \(Self.emptyHash)
                """
        )
        #expect(
            signed.stringToSign == """
                AWS4-HMAC-SHA256
                20130524T000000Z
                20130524/us-east-1/s3/aws4_request
                7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972
                """
        )
        #expect(
            signed.authorization
                == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
                + "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
                + "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
        )
    }

    @Test func putObjectEncodesTheKeyOnceAndSignsThePayloadHash() {
        let body = Data("Welcome to Amazon S3.".utf8)
        let hash = SigV4Signer.payloadHash(body)
        #expect(hash == "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072")
        let request = SigV4Signer.Request(
            method: "PUT",
            path: "/test$file.text",
            headers: [("Date", "Fri, 24 May 2013 00:00:00 GMT"), Self.bucketHost, ("x-amz-storage-class", "REDUCED_REDUNDANCY")],
            payloadHash: hash
        )
        // `signedHeaders` adds the date and the payload hash, as S3 wants them.
        let headers = Self.s3.signedHeaders(request, at: Self.may24)
        let authorization = headers.first { $0.name == "Authorization" }?.value
        #expect(headers.contains { $0 == ("x-amz-date", "20130524T000000Z") })
        #expect(headers.contains { $0 == ("x-amz-content-sha256", hash) })
        #expect(authorization?.contains("SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class,") == true)
        #expect(authorization?.hasSuffix("Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd") == true)
        #expect(Self.s3.sign(request, at: Self.may24).canonicalRequest.split(separator: "\n")[1] == "/test%24file.text")
    }

    @Test func aParameterWithoutAValueAndAListingQuery() {
        func signature(_ query: [(name: String, value: String)]) -> String {
            let request = SigV4Signer.Request(method: "GET", path: "/", query: query, headers: [Self.bucketHost], payloadHash: Self.emptyHash)
            return Self.s3.signedHeaders(request, at: Self.may24).last!.value.components(separatedBy: "Signature=").last!
        }
        #expect(signature([("lifecycle", "")]) == "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543")
        // Given out of order: the canonical query sorts them.
        #expect(signature([("prefix", "J"), ("max-keys", "2")]) == "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7")
    }

    // MARK: - The Signature Version 4 test suite

    /// AKIDEXAMPLE, us-east-1, service `service`, 30 August 2015 at 12:36:00 UTC, on example.amazonaws.com.
    static let suite = SigV4Signer(
        credentials: .init(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
        region: "us-east-1",
        service: "service"
    )
    static let august30 = Date(timeIntervalSince1970: 1_440_938_160)

    static func suiteSignature(
        _ method: String = "GET",
        path: String = "/",
        query: [(name: String, value: String)] = [],
        headers: [(name: String, value: String)] = [],
        body: String = ""
    ) -> SigV4Signer.Signature {
        let request = SigV4Signer.Request(
            method: method,
            path: path,
            query: query,
            headers: headers + [("host", "example.amazonaws.com"), ("x-amz-date", "20150830T123600Z")],
            payloadHash: SigV4Signer.payloadHash(Data(body.utf8))
        )
        return Self.suite.sign(request, at: Self.august30)
    }

    @Test func theSuitesVanillaRequests() {
        #expect(Self.suiteSignature().signature == "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")
        let keyCase = Self.suiteSignature(query: [("Param2", "value2"), ("Param1", "value1")])
        #expect(keyCase.canonicalRequest.split(separator: "\n", omittingEmptySubsequences: false)[2] == "Param1=value1&Param2=value2")
        #expect(keyCase.stringToSign.hasSuffix("816cd5b414d056048ba4f7c5386d6e0533120fb1fcfa93762cf0fc39e2cf19e0"))
        #expect(keyCase.signature == "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500")
        // The same name twice: sorted by value.
        #expect(
            Self.suiteSignature(query: [("Param1", "value2"), ("Param1", "value1")]).signature
                == "5772eed61e12b33fae39ee5e7012498b51d56abc0abb7c60486157bd471c4694"
        )
    }

    @Test func theSuitesUnreservedPathAndFormPost() {
        #expect(
            Self.suiteSignature(path: "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz").signature
                == "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f"
        )
        let form = Self.suiteSignature("POST", headers: [("Content-Type", "application/x-www-form-urlencoded")], body: "Param1=value1")
        #expect(form.canonicalRequest.hasSuffix("9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e"))
        #expect(form.stringToSign.hasSuffix("42a5e5bb34198acb3e84da4f085bb7927f2bc277ca766e6d19c73c2154021281"))
        #expect(form.signature == "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a")
    }

    // MARK: - The steps S3's rules decide

    @Test func keysAreEncodedOnceAndNeverNormalised() {
        // A key is bytes: S3 keeps `//`, `.` and `..` in it, and a `%` in a key is itself encoded.
        #expect(SigV4Signer.canonicalPath("/bucket/ab/cd//./../x y%2F.pdf") == "/bucket/ab/cd//./../x%20y%252F.pdf")
        #expect(SigV4Signer.canonicalPath("/资源/焊接.mp4") == "/%E8%B5%84%E6%BA%90/%E7%84%8A%E6%8E%A5.mp4")
        #expect(SigV4Signer.canonicalPath("") == "/")
        // In the query `/`, `+`, `=` and spaces are encoded too, and names sort by byte (upper case first).
        #expect(SigV4Signer.canonicalQuery([("prefix", "ab/cd +="), ("Z", "1"), ("a", "")]) == "Z=1&a=&prefix=ab%2Fcd%20%2B%3D")
    }

    @Test func headersAreFoldedSortedAndJoined() {
        let (lines, signed) = SigV4Signer.canonicalHeaders([
            ("My-Header1", "  a   b   c  "), ("host", "example.amazonaws.com"), ("my-header1", "second"), ("X-Amz-Date", "20150830T123600Z"),
        ])
        #expect(lines == "host:example.amazonaws.com\nmy-header1:a b c,second\nx-amz-date:20150830T123600Z\n")
        #expect(signed == "host;my-header1;x-amz-date")
    }

    @Test func timestampsAreUTCToTheSecond() {
        #expect(SigV4Signer.timestamp(Date(timeIntervalSince1970: 1_440_938_160.9)) == "20150830T123600Z")
        #expect(SigV4Signer.timestamp(Date(timeIntervalSince1970: 951_868_799)) == "20000229T235959Z")
    }
}
