import GranaryAssessment
import GranaryEmbeddings
import GranaryLearning
import GranaryReview
import GranaryStore

extension Array where Element == TableSchema {
    /// Every target's tables beside GranaryStore's, each after those of the targets it depends on: what the service,
    /// the commands and the tests that serve the whole product open a library with.
    public static var all: [TableSchema] { [.assessment, .learning, .review, .embeddings] }
}
