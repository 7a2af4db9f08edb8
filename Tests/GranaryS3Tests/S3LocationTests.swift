import Foundation
import GranaryS3
import Testing

/// `--blobs s3://…` as an operator writes it, and every mistake refused with a reason.
@Suite struct S3LocationTests {
    @Test func aLocationGivesTheBucketEndpointAndRegion() throws {
        let location = try S3Location(parsing: "s3://granary-blobs?endpoint=http://127.0.0.1:8333/&region=cn-east-1")
        #expect(location.bucket == "granary-blobs")
        #expect(location.endpoint.absoluteString == "http://127.0.0.1:8333")
        #expect(location.region == "cn-east-1")
        #expect(try S3Location(parsing: "s3://blobs.a-1?endpoint=https://s3.example.edu.cn").region == "us-east-1")
    }

    @Test func keysAreAddressedPathStyleAndEncodedAsTheyAreSigned() throws {
        let location = try S3Location(parsing: "s3://granary?endpoint=http://127.0.0.1:8333")
        let key = "ab/cd/abcd 资源+1"
        #expect(location.path(forKey: key) == "/granary/ab/cd/abcd 资源+1")
        #expect(location.url(forKey: key).absoluteString == "http://127.0.0.1:8333/granary/ab/cd/abcd%20%E8%B5%84%E6%BA%90%2B1")
        #expect(location.url(forKey: key).path == location.path(forKey: key))
    }

    @Test(arguments: [
        ("http://granary?endpoint=http://127.0.0.1:8333", "应形如"),
        ("s3://Granary?endpoint=http://127.0.0.1:8333", "桶名“Granary”无效"),
        ("s3://ab?endpoint=http://127.0.0.1:8333", "桶名“ab”无效"),
        ("s3://-granary?endpoint=http://127.0.0.1:8333", "无效"),
        ("s3://a..b?endpoint=http://127.0.0.1:8333", "无效"),
        ("s3://granary/prefix?endpoint=http://127.0.0.1:8333", "不带路径"),
        ("s3://granary", "缺少 endpoint"),
        ("s3://granary?endpoint=ftp://127.0.0.1", "http:// 或 https://"),
        ("s3://granary?endpoint=http://127.0.0.1:8333/base", "不带路径的地址"),
        ("s3://granary?endpoint=http://127.0.0.1:8333&region=", "region“”无效"),
        ("s3://granary?endpoint=http://127.0.0.1:8333&regoin=x", "不认识参数“regoin”"),
    ])
    func aMistakeIsRefusedWithItsReason(text: String, reason: String) {
        #expect {
            try S3Location(parsing: text)
        } throws: { error in
            (error as? S3Location.Problem)?.message.contains(reason) == true
        }
    }

    @Test func credentialsComeFromTheEnvironment() throws {
        let credentials = try S3Location.credentials(from: ["AWS_ACCESS_KEY_ID": "granary", "AWS_SECRET_ACCESS_KEY": "secret"])
        #expect(credentials == .init(accessKeyID: "granary", secretAccessKey: "secret"))
        #expect {
            try S3Location.credentials(from: ["AWS_ACCESS_KEY_ID": "granary", "AWS_SECRET_ACCESS_KEY": ""])
        } throws: { error in
            (error as? S3Location.Problem)?.message == "使用对象存储需要环境变量 AWS_SECRET_ACCESS_KEY"
        }
        #expect(throws: S3Location.Problem.self) { try S3Location.credentials(from: [:]) }
    }
}
