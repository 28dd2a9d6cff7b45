/// How serious a diagnostic is.
public enum Severity: Int, Sendable, Hashable, Comparable, CustomStringConvertible {
    case note, warning, error

    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String {
        switch self {
        case .note: "note"
        case .warning: "warning"
        case .error: "error"
        }
    }
    public func word(in language: Language) -> String {
        switch (self, language) {
        case (_, .en): description
        case (.note, .ja): "注記"
        case (.warning, .ja): "警告"
        case (.error, .ja): "エラー"
        }
    }
}

/// A position in a source file: 1-based line and 1-based column.
///
/// Columns count Unicode scalars (what libyaml reports), not bytes and not display cells;
/// the renderer turns them into display cells when it draws the caret.
public struct SourcePosition: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var line: Int
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    public static func < (lhs: SourcePosition, rhs: SourcePosition) -> Bool {
        (lhs.line, lhs.column) < (rhs.line, rhs.column)
    }

    public var description: String { "\(line):\(column)" }
}

/// A place in a named file.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var position: SourcePosition

    public init(file: String, position: SourcePosition) {
        self.file = file
        self.position = position
    }

    public init(file: String, line: Int, column: Int) {
        self.init(file: file, position: SourcePosition(line: line, column: column))
    }

    public var description: String { "\(file):\(position.line):\(position.column)" }
}

/// A message in English with an optional Japanese version.
///
/// Policy staff read Japanese; programmers and logs read English. Where no Japanese text is
/// given, the English one is shown in both languages.
public struct LocalizedText: Sendable, Hashable, ExpressibleByStringInterpolation, CustomStringConvertible {
    public var en: String
    public var ja: String?

    public init(_ en: String, ja: String? = nil) {
        self.en = en
        self.ja = ja
    }

    public init(stringLiteral value: String) { self.init(value) }

    public func text(in language: Language) -> String {
        switch language {
        case .en: en
        case .ja: ja ?? en
        }
    }

    public var description: String { en }
}

/// The two languages DiaCert speaks.
public enum Language: String, Sendable, Hashable, CaseIterable {
    case en, ja

    /// The language chosen by the environment (`LC_ALL`, `LC_MESSAGES`, `LANG`): Japanese for `ja*`.
    public static func fromEnvironment(_ environment: [String: String]) -> Language {
        for key in ["LC_ALL", "LC_MESSAGES", "LANG"] {
            if let value = environment[key], !value.isEmpty {
                return value.lowercased().hasPrefix("ja") ? .ja : .en
            }
        }
        return .en
    }
}

/// A problem found in a source: rules, a dossier, an expression, a configuration file.
///
/// Diagnostics are values. Parsers and checkers collect them and keep going, so one run
/// reports every problem; callers decide what an error means for them.
public struct Diagnostic: Sendable, Hashable, CustomStringConvertible {
    /// A secondary location attached to a diagnostic ("first defined here").
    public struct Note: Sendable, Hashable {
        public var message: LocalizedText
        public var location: SourceLocation?

        public init(_ message: LocalizedText, at location: SourceLocation? = nil) {
            self.message = message
            self.location = location
        }
    }

    public var severity: Severity
    /// A stable identifier (`yaml.duplicate-key`, `expr.unknown-field`) for tests and tooling.
    public var code: String
    public var message: LocalizedText
    public var location: SourceLocation?
    public var notes: [Note]

    public init(
        _ severity: Severity,
        code: String,
        _ message: LocalizedText,
        at location: SourceLocation? = nil,
        notes: [Note] = []
    ) {
        self.severity = severity
        self.code = code
        self.message = message
        self.location = location
        self.notes = notes
    }

    public static func error(
        _ code: String, _ message: LocalizedText, at location: SourceLocation? = nil, notes: [Note] = []
    ) -> Diagnostic {
        Diagnostic(.error, code: code, message, at: location, notes: notes)
    }

    public static func warning(
        _ code: String, _ message: LocalizedText, at location: SourceLocation? = nil, notes: [Note] = []
    ) -> Diagnostic {
        Diagnostic(.warning, code: code, message, at: location, notes: notes)
    }

    /// `file:line:col: error: message` (English), the first line of the rendered form.
    public var description: String { headline(in: .en) }

    /// In Japanese the severity is a Japanese word too: the line goes to applicants (rejection mails).
    public func headline(in language: Language) -> String {
        let prefix = location.map { "\($0): " } ?? ""
        return "\(prefix)\(severity.word(in: language)): \(message.text(in: language))"
    }
}

/// An error that carries every diagnostic of a failed operation.
public struct DiagnosticError: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [Diagnostic]

    public init(_ diagnostics: [Diagnostic]) { self.diagnostics = diagnostics }
    public init(_ diagnostic: Diagnostic) { self.diagnostics = [diagnostic] }

    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}

extension Array where Element == Diagnostic {
    public var hasErrors: Bool { contains { $0.severity == .error } }
    public var errors: [Diagnostic] { filter { $0.severity == .error } }
}
