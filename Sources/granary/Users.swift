import ArgumentParser
import Foundation
import GranaryModel
import GranarySchema
import GranaryStore

/// `granary users ...`: account administration from the shell (works while the service runs).
struct Users: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Manage accounts.", subcommands: [Add.self, TwoFactor.self])

    /// Prints a new authenticator secret once, for the operator to hand over: as Base32, as an address, as a QR code.
    static func show(_ secret: TOTP, username: String) throws {
        let uri = secret.uri(account: username, issuer: Accounts.issuer)
        print("totp-secret: \(secret.base32)")
        print("totp-uri: \(uri)")
        print("Scan with an authenticator app (shown once):")
        for line in try QRCode(uri).textLines() { print(line) }
    }

    /// `granary users add`.
    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a teacher, reviewer, admin or learner account.")

        @OptionGroup var storage: StorageOptions

        @Option(help: "Login name.")
        var username: String

        @Option(help: "learner, teacher, reviewer, or one of the three administrators (三权分立): admin, security, auditor.")
        var role: Role

        @Option(help: "Institution (院校/单位) the account belongs to; created if new.")
        var institution: String?

        @Option(help: "Name shown to others (defaults to the username).")
        var displayName: String?

        @Flag(help: "Read the password from the first line of standard input.")
        var passwordStdin = false

        @Option(help: "bcrypt work factor (4–31).")
        var bcryptCost: UInt8 = 12

        func validate() throws {
            guard (4...31).contains(self.bcryptCost) else { throw ValidationError("--bcrypt-cost must be 4 to 31.") }
        }

        func run() async throws {
            guard self.passwordStdin else {
                throw ValidationError("Pass the password on standard input with --password-stdin (never on the command line).")
            }
            guard let password = readLine(strippingNewline: true), !password.isEmpty else {
                throw ValidationError("No password on standard input.")
            }
            let library = try await self.storage.open(.init(bcryptCost: self.bcryptCost))
            do {
                let user = try await library.accounts.createUser(
                    username: self.username,
                    password: password,
                    displayName: self.displayName,
                    role: self.role,
                    institution: self.institution,
                    actor: "cli"
                )
                print("created \(user.role.rawValue) \(user.username) (\(user.id))")
                if library.accounts.twoFactorRoles.contains(user.role) {
                    // The role must log in with two steps: enrolled now, so the first log-in needs no detour.
                    let secret = try await library.accounts.enrolTwoFactor(username: user.username, actor: "cli")
                    try Users.show(secret, username: user.username)
                }
            } catch let error as GranaryError {
                let fields = error.errors.map { "\n  \($0.field): \($0.message.en)" }.joined()
                throw ValidationError(error.detail.en + fields)
            }
        }
    }
}

extension Users {
    /// `granary users totp`: gives an account a new authenticator secret (a lost phone), enrolled at once.
    struct TwoFactor: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "totp",
            abstract: "Give an account a new authenticator secret (two-step log-in), replacing any it had, and print it once."
        )

        @OptionGroup var storage: StorageOptions

        @Option(help: "Login name.")
        var username: String

        func run() async throws {
            let library = try await self.storage.open()
            do {
                let secret = try await library.accounts.enrolTwoFactor(username: self.username, actor: "cli")
                try Users.show(secret, username: self.username)
            } catch let error as GranaryError {
                throw ValidationError(error.detail.en)
            }
        }
    }
}

extension Role: ExpressibleByArgument {}
