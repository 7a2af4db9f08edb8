import Foundation
import Testing

@testable import GranaryHTTP

@Suite struct PageDateTests {
    @Test func theSearchPagesDayIsTheCalendarsDayInChina() {
        // Around midnight in Beijing (16:00 UTC), leap days, the turn of centuries, and a spread of random instants.
        var instants: [Double] = [0, 951_782_400, 951_868_799, 951_868_800, 1_709_164_800 - 1, 1_709_164_800, 4_107_542_400, 1_795_881_599]
        var generator = SystemRandomNumberGenerator()
        // From 1992: China kept summer time from 1986 to 1991, which the page's arithmetic leaves out (no resource is that old).
        for _ in 0..<2000 { instants.append(Double(UInt64.random(in: 694_224_000...4_102_444_800, using: &generator))) }
        for seconds in instants {
            let date = Date(timeIntervalSince1970: seconds)
            #expect(Pages.day(date) == String(Pages.format(date).prefix(10)), "at \(seconds)")
        }
    }
}
