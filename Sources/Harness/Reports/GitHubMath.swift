// # Math that survives GitHub's Markdown
//
// GitHub hands `$…$` and `$$…$$` to MathJax only after Markdown has applied its backslash
// escapes, and a backslash before ASCII punctuation is such an escape: `\{`, `\}`, `\|`, `\,`,
// `\;` and `\!` reach MathJax without their backslash (set braces vanish, norms become absolute
// values, thin spaces become commas). Their control-word spellings mean the same to every TeX
// renderer and contain no punctuation escape, so reports use those.

/// The control word each punctuation command is rewritten to inside math.
private let mathRewrites: [Character: String] = [
    "{": "\\lbrace ", "}": "\\rbrace ", "|": "\\Vert ", ",": "\\thinspace ", ";": "\\thickspace ", "!": "\\negthinspace ",
]

/// `markdown` with the punctuation commands inside its `$…$` / `$$…$$` math rewritten as control
/// words. Fenced code blocks, inline code spans and table rows (whose cells escape `|`
/// themselves) are left alone.
public func gitHubSafeMath(_ markdown: String) -> String {
    var out = ""
    out.reserveCapacity(markdown.utf8.count + 256)
    var inFence = false, inMath = false
    for (n, line) in markdown.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
        if n > 0 { out.append("\n") }
        if line.hasPrefix("```") { inFence.toggle() }
        if inFence || line.hasPrefix("```") || line.hasPrefix("|") {
            out.append(contentsOf: line)
            continue
        }
        var inCode = false
        var chars = line.makeIterator()
        var pending: Character? = nil
        while let c = pending ?? chars.next() {
            pending = nil
            switch c {
            case "`" where !inMath:
                inCode.toggle()
                out.append(c)
            case "$" where !inCode:
                inMath.toggle()
                out.append(c)
                if let next = chars.next() {
                    if next == "$" { out.append(next) } else { pending = next }
                }
            case "\\" where inMath:
                guard let next = chars.next() else { out.append(c); break }
                if let word = mathRewrites[next] { out.append(word) } else { out.append(c); out.append(next) }
            default:
                out.append(c)
            }
        }
    }
    return out
}
