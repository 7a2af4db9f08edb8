import GranaryModel

extension SearchDocument {
    /// The searchable text: the title first (it weighs double), then the rest, one field a line: description, point
    /// names, tags, file text. `names` is where the point names and tags are (pinyin reads the title and those).
    var searchableText: (text: String, titleLength: Int, names: Range<Int>) {
        let description = self.description ?? ""
        let names = self.pointNames.joined(separator: " ") + "\n" + self.tags.joined(separator: " ")
        let namesStart = self.title.utf16.count + 1 + description.utf16.count + 1
        let text = [self.title, description, names, self.fileText ?? ""].joined(separator: "\n")
        return (text, self.title.utf16.count, namesStart..<(namesStart + names.utf16.count))
    }
}
