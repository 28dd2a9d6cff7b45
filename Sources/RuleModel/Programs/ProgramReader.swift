import Diagnostics
import ExpressionLanguage
import YAMLLoader

/// Reads one program file and compiles its expressions against the program's environment.
struct ProgramReader {
    /// The first lines of a program file, read before any expression is compiled, so that programs
    /// can be ordered by `uses`.
    struct Header {
        let id: String
        let kind: ProgramKind
        let version: String
        let title: LocalizedText
        let uses: [String]
        let usesNode: YAMLNode?
        let entries: [String: YAMLNode]
        let node: YAMLNode
    }

    static let commonKeys = ["program", "kind", "version", "title", "description", "uses", "let"]
    static let keysByKind: [ProgramKind: [String]] = [
        .certification: ["validity_years", "scope", "disqualify", "sections", "criteria", "tiers"],
        .eligibility: ["conditions", "terms", "notes"],
        .award: ["eligible", "score", "categories", "rank_by"],
    ]

    static func header(_ node: YAMLNode, reader: inout RuleFileReader) -> Header? {
        let allKeys = commonKeys + keysByKind.values.flatMap { $0 }
        guard let entries = reader.mapping(node, "a program file", allowed: allKeys),
            let idNode = reader.require(entries, "program", in: "a program file", at: node),
            let id = reader.identifier(idNode, "program id"),
            let kindNode = reader.require(entries, "kind", in: "program '\(id)'", at: node),
            let kindName = reader.string(kindNode)
        else { return nil }
        guard let kind = ProgramKind(rawValue: kindName) else {
            reader.error(
                "program.kind", "kind must be certification, award or eligibility, found '\(kindName)'",
                ja: "kind は certification, award, eligibility のいずれかです", at: kindNode)
            return nil
        }
        let allowed = commonKeys + keysByKind[kind]!
        for key in entries.keys where !allowed.contains(key) {
            reader.error(
                "program.key", "'\(key)' does not belong in a \(kind.rawValue) program",
                ja: "'\(key)' は \(kind.rawValue) のプログラムでは使えません", at: node.pair(forKey: key)!.key)
        }
        let version = entries["version"].flatMap { reader.string($0) } ?? ""
        let title = entries["title"].flatMap { reader.localized($0, "title of program '\(id)'") } ?? LocalizedText(id)
        let uses = entries["uses"].map { reader.stringList($0, "uses") } ?? []
        return Header(
            id: id, kind: kind, version: version, title: title, uses: uses, usesNode: entries["uses"], entries: entries,
            node: node)
    }

    var reader: RuleFileReader
    var environment: Environment
    /// Criteria whose definition has errors: references to them are not reported again.
    var brokenCriteria = Set<String>()

    /// Compiles `let:` entries in order, each visible to the next.
    mutating func lets(_ node: YAMLNode?) -> [LetDefinition] {
        guard let node, !node.isNull else { return [] }
        var lets: [LetDefinition] = []
        for entry in reader.orderedMapping(node, "let") {
            if environment.variable(entry.key) != nil || entry.key == "tables" {
                reader.error(
                    "let.duplicate", "'\(entry.key)' is already defined; choose another name for this let",
                    ja: "'\(entry.key)' はすでに定義されています", at: entry.keyNode)
                continue
            }
            // `name: expression`, or `name: {expr: expression, label: {ja, en}, unit: …, negative: {ja, en}, fields: …}`.
            var expressionNode: YAMLNode? = entry.value
            var label: ValueLabel?
            var fieldLabels: [String: ValueLabel] = [:]
            if entry.value.mapping != nil {
                let context = "let '\(entry.key)'"
                expressionNode = nil
                if let fields = reader.mapping(entry.value, context, allowed: ["expr", "label", "unit", "negative", "fields"]) {
                    expressionNode = reader.require(fields, "expr", in: context, at: entry.value)
                    label = valueLabel(fields, context: context)
                    for field in fields["fields"].map({ reader.orderedMapping($0, "fields of \(context)") }) ?? [] {
                        let fieldContext = "field '\(field.key)' of \(context)"
                        guard let entries = reader.mapping(field.value, fieldContext, allowed: ["label", "unit", "negative"]) else { continue }
                        fieldLabels[field.key] = valueLabel(entries, context: fieldContext)
                    }
                }
            }
            guard let expressionNode, let expression = reader.expression(expressionNode, in: environment) else {
                // Declare it anyway (as dyn) so later expressions using it report their own problems only.
                environment.declare(entry.key, .dyn)
                continue
            }
            let slot = environment.declare(entry.key, expression.checked.type)
            lets.append(LetDefinition(name: entry.key, expression: expression, slot: slot, label: label, fieldLabels: fieldLabels))
        }
        return lets
    }

    /// The `label:`, `unit:` and `negative:` of a let or of one of its fields.
    private mutating func valueLabel(_ entries: [String: YAMLNode], context: String) -> ValueLabel? {
        let label = entries["label"].flatMap { reader.localized($0, "label of \(context)") }
        let unit = entries["unit"].flatMap { reader.string($0) }
        let negative = entries["negative"].flatMap { reader.localized($0, "negative of \(context)") }
        return label == nil && unit == nil && negative == nil ? nil : ValueLabel(label: label, unit: unit, negative: negative)
    }

    mutating func condition(_ node: YAMLNode, context: String, needsID: Bool) -> Condition? {
        if node.scalar != nil {
            guard let when = reader.expression(node, in: environment, expecting: .bool) else { return nil }
            return Condition(id: context, title: nil, when: when, reason: nil, location: node.location)
        }
        guard let entries = reader.mapping(node, context, allowed: ["id", "title", "when", "reason"]) else { return nil }
        var id = context
        if needsID {
            guard let idNode = reader.require(entries, "id", in: context, at: node), let value = reader.identifier(idNode, "id") else {
                return nil
            }
            id = value
        }
        guard let whenNode = reader.require(entries, "when", in: "'\(id)'", at: node),
            let when = reader.expression(whenNode, in: environment, expecting: .bool)
        else { return nil }
        return Condition(
            id: id, title: entries["title"].flatMap { reader.localized($0, "title of '\(id)'") }, when: when,
            reason: entries["reason"].flatMap { reader.localized($0, "reason of '\(id)'") }, location: node.location)
    }

    mutating func conditions(_ node: YAMLNode?, context: String) -> [Condition] {
        guard let node, !node.isNull else { return [] }
        var result: [Condition] = []
        for item in reader.sequence(node, context) {
            guard let condition = condition(item, context: "an entry of \(context)", needsID: true) else { continue }
            if result.contains(where: { $0.id == condition.id }) {
                reader.error("program.duplicate-id", "'\(condition.id)' appears twice in \(context)", at: item)
                continue
            }
            result.append(condition)
        }
        return result
    }

    // MARK: Certification

    mutating func certification(_ header: Header) -> CertificationRules {
        let entries = header.entries
        let scope = entries["scope"].flatMap { condition($0, context: "scope", needsID: false) }
        let disqualify = conditions(entries["disqualify"], context: "disqualify")
        var sections: [Section] = []
        for item in entries["sections"].map({ reader.sequence($0, "sections") }) ?? [] {
            guard let fields = reader.mapping(item, "a section", allowed: ["id", "title"]),
                let idNode = reader.require(fields, "id", in: "a section", at: item), let id = reader.identifier(idNode, "section id")
            else { continue }
            let title = fields["title"].flatMap { reader.localized($0, "title of section '\(id)'") } ?? LocalizedText(id)
            sections.append(Section(id: id, title: title, location: item.location))
        }
        var criteria: [Criterion] = []
        for item in entries["criteria"].map({ reader.sequence($0, "criteria") }) ?? [] {
            guard let criterion = criterion(item, sections: sections) else {
                if let id = item["id"]?.scalar?.text { brokenCriteria.insert(id) }
                continue
            }
            if let first = criteria.first(where: { $0.id == criterion.id }) {
                reader.error(
                    "criteria.duplicate", "criterion '\(criterion.id)' is defined twice", at: item,
                    notes: [.init("first defined here", at: first.location)])
                continue
            }
            criteria.append(criterion)
        }
        var tiers: [Tier] = []
        for item in entries["tiers"].map({ reader.sequence($0, "tiers") }) ?? [] {
            if let tier = tier(item, criteria: criteria, sections: sections) {
                if tiers.contains(where: { $0.id == tier.id }) {
                    reader.error("tiers.duplicate", "tier '\(tier.id)' is defined twice", at: item)
                    continue
                }
                tiers.append(tier)
            }
        }
        if tiers.isEmpty { reader.error("tiers.none", "a certification needs at least one tier under 'tiers:'", at: header.node) }
        let validity = entries["validity_years"].flatMap { reader.integer($0) }.map(Int.init)
        return CertificationRules(
            validityYears: validity, scope: scope, disqualify: disqualify, sections: sections, criteria: criteria, tiers: tiers)
    }

    private mutating func criterion(_ node: YAMLNode, sections: [Section]) -> Criterion? {
        guard let entries = reader.mapping(node, "a criterion", allowed: ["id", "section", "title", "when", "points", "rows", "description"]),
            let idNode = reader.require(entries, "id", in: "a criterion", at: node),
            let id = reader.identifier(idNode, "criterion id")
        else { return nil }
        var section: String?
        if let sectionNode = entries["section"], let name = reader.string(sectionNode) {
            if !sections.isEmpty, !sections.contains(where: { $0.id == name }) {
                var message = "criterion '\(id)' names an unknown section '\(name)'"
                if let suggestion = Suggestion.nearest(to: name, among: sections.map(\.id)) { message += "; did you mean '\(suggestion)'?" }
                reader.error("criteria.section", message, at: sectionNode)
            }
            section = name
        }
        let title = entries["title"].flatMap { reader.localized($0, "title of criterion '\(id)'") } ?? LocalizedText(id)
        var rows: [CriterionRow] = []
        switch (entries["when"], entries["rows"]) {
        case (let whenNode?, nil):
            guard let when = reader.expression(whenNode, in: environment, expecting: .bool) else { return nil }
            let points = entries["points"].flatMap { reader.integer($0) } ?? 0
            if entries["points"] == nil {
                reader.error("criteria.points", "criterion '\(id)' needs 'points' (0 is allowed)", at: node)
            }
            rows = [CriterionRow(when: when, points: Int(points), location: whenNode.location)]
        case (nil, let rowsNode?):
            if let pointsNode = entries["points"] {
                reader.error("criteria.points", "with 'rows', give the points on each row, not on the criterion", at: pointsNode)
            }
            for row in reader.sequence(rowsNode, "rows of criterion '\(id)'") {
                guard let fields = reader.mapping(row, "a row", allowed: ["when", "points"]),
                    let whenNode = reader.require(fields, "when", in: "a row of '\(id)'", at: row),
                    let pointsNode = reader.require(fields, "points", in: "a row of '\(id)'", at: row),
                    let points = reader.integer(pointsNode),
                    let when = reader.expression(whenNode, in: environment, expecting: .bool)
                else { continue }
                rows.append(CriterionRow(when: when, points: Int(points), location: row.location))
            }
            if rows.isEmpty { return nil }
        case (_?, _?):
            reader.error("criteria.shape", "criterion '\(id)' has both 'when' and 'rows'; use one", at: node)
            return nil
        case (nil, nil):
            reader.error("criteria.shape", "criterion '\(id)' needs 'when' and 'points', or 'rows'", ja: "基準 '\(id)' には when と points、または rows が必要です", at: node)
            return nil
        }
        for row in rows where row.points < 0 {
            reader.error("criteria.points", "points cannot be negative in criterion '\(id)'", at: node)
        }
        return Criterion(id: id, section: section, title: title, rows: rows, location: node.location)
    }

    private mutating func tier(_ node: YAMLNode, criteria: [Criterion], sections: [Section]) -> Tier? {
        guard let entries = reader.mapping(node, "a tier", allowed: ["id", "title", "min_points", "requires", "sections", "when", "when_title"]),
            let idNode = reader.require(entries, "id", in: "a tier", at: node), let id = reader.identifier(idNode, "tier id")
        else { return nil }
        let minPoints = Int(entries["min_points"].flatMap { reader.integer($0) } ?? 0)
        var requires: [String] = []
        if let requiresNode = entries["requires"] {
            for item in reader.sequence(requiresNode, "requires of tier '\(id)'") {
                guard let name = reader.string(item) else { continue }
                if brokenCriteria.contains(name) { continue }
                if !criteria.contains(where: { $0.id == name }) {
                    var message = "tier '\(id)' requires an unknown criterion '\(name)'"
                    if let suggestion = Suggestion.nearest(to: name, among: criteria.map(\.id)) { message += "; did you mean '\(suggestion)'?" }
                    reader.error("tiers.requires", message, ja: "ティア '\(id)' が存在しない基準 '\(name)' を要求しています", at: item)
                    continue
                }
                requires.append(name)
            }
        }
        var minimums: [(String, Int)] = []
        if let sectionsNode = entries["sections"] {
            for entry in reader.orderedMapping(sectionsNode, "sections of tier '\(id)'") {
                if !sections.contains(where: { $0.id == entry.key }) {
                    var message = "tier '\(id)' names an unknown section '\(entry.key)'"
                    if let suggestion = Suggestion.nearest(to: entry.key, among: sections.map(\.id)) { message += "; did you mean '\(suggestion)'?" }
                    reader.error("tiers.section", message, at: entry.keyNode)
                    continue
                }
                if let points = reader.integer(entry.value) { minimums.append((entry.key, Int(points))) }
            }
        }
        let when = entries["when"].flatMap { reader.expression($0, in: environment, expecting: .bool) }
        return Tier(
            id: id, title: entries["title"].flatMap { reader.localized($0, "title of tier '\(id)'") } ?? LocalizedText(id),
            minPoints: minPoints, requires: requires, sectionMinimums: minimums, when: when,
            whenTitle: entries["when_title"].flatMap { reader.localized($0, "when_title of tier '\(id)'") },
            location: node.location)
    }

    // MARK: Eligibility

    mutating func eligibility(_ header: Header) -> EligibilityRules {
        let entries = header.entries
        let conditions = conditions(entries["conditions"], context: "conditions")
        var terms: [TermsRow] = []
        for item in entries["terms"].map({ reader.sequence($0, "terms") }) ?? [] {
            guard let fields = reader.mapping(item, "a terms row", allowed: ["when", "values"]),
                let whenNode = reader.require(fields, "when", in: "a terms row", at: item),
                let valuesNode = reader.require(fields, "values", in: "a terms row", at: item),
                let when = reader.expression(whenNode, in: environment, expecting: .bool)
            else { continue }
            var values: [(String, Value)] = []
            for entry in reader.orderedMapping(valuesNode, "values of a terms row") {
                if let value = constant(entry.value) { values.append((entry.key, value)) }
            }
            terms.append(TermsRow(when: when, values: values, location: item.location))
        }
        var termsSlot: Int?
        var notes: [ResultNote] = []
        if let notesNode = entries["notes"] {
            termsSlot = environment.declare("terms", .map(.string, .dyn))
            for item in reader.sequence(notesNode, "notes") {
                guard let fields = reader.mapping(item, "a note", allowed: ["id", "when", "text"]),
                    let idNode = reader.require(fields, "id", in: "a note", at: item), let id = reader.identifier(idNode, "note id"),
                    let whenNode = reader.require(fields, "when", in: "note '\(id)'", at: item),
                    let textNode = reader.require(fields, "text", in: "note '\(id)'", at: item),
                    let when = reader.expression(whenNode, in: environment, expecting: .bool),
                    let text = reader.localized(textNode, "text of note '\(id)'")
                else { continue }
                notes.append(ResultNote(id: id, when: when, text: text))
            }
        }
        return EligibilityRules(conditions: conditions, terms: terms, notes: notes, termsSlot: termsSlot)
    }

    /// A terms value: a number (exact), text or a boolean, as written.
    private mutating func constant(_ node: YAMLNode) -> Value? {
        guard let scalar = node.scalar else {
            reader.error("terms.value", "terms values must be numbers, text or true/false", at: node)
            return nil
        }
        if scalar.style == .plain {
            switch node.coreValue {
            case .bool(let b)?: return .bool(b)
            case .int?:
                if case .success(let i) = node.asInteger() { return .int(i) }
            case .float?:
                if case .success(let text) = node.asNumberText(), let d = ExactDecimal(text) { return .decimal(d) }
            default: break
            }
        }
        return .string(scalar.text)
    }

    // MARK: Award

    mutating func award(_ header: Header) -> AwardRules? {
        let entries = header.entries
        // Every part is read even when an earlier one failed, so one `check` shows all the problems.
        let eligible = reader.require(entries, "eligible", in: "award '\(header.id)'", at: header.node)
            .flatMap { condition($0, context: "eligible", needsID: false) }
        let scoreNode = reader.require(entries, "score", in: "award '\(header.id)'", at: header.node)
        let score = scoreNode.flatMap { reader.expression($0, in: environment) }
        if let score, let scoreNode, !score.checked.type.isNumeric, !score.checked.type.isDynamic {
            reader.error("award.score", "score must be a number, but it is \(score.checked.type.displayName)", at: scoreNode)
        }
        var categories: [AwardCategory] = []
        for item in entries["categories"].map({ reader.sequence($0, "categories") }) ?? [] {
            guard let fields = reader.mapping(item, "a category", allowed: ["id", "title", "when", "prizes"]),
                let idNode = reader.require(fields, "id", in: "a category", at: item), let id = reader.identifier(idNode, "category id"),
                let whenNode = reader.require(fields, "when", in: "category '\(id)'", at: item),
                let when = reader.expression(whenNode, in: environment, expecting: .bool)
            else { continue }
            var prizes: [Prize] = []
            for prizeNode in fields["prizes"].map({ reader.sequence($0, "prizes of '\(id)'") }) ?? [] {
                guard let prizeFields = reader.mapping(prizeNode, "a prize", allowed: ["id", "title", "count"]),
                    let prizeIDNode = reader.require(prizeFields, "id", in: "a prize", at: prizeNode),
                    let prizeID = reader.identifier(prizeIDNode, "prize id"),
                    let countNode = reader.require(prizeFields, "count", in: "prize '\(prizeID)'", at: prizeNode),
                    let count = reader.integer(countNode)
                else { continue }
                if count < 0 { reader.error("award.count", "a prize count cannot be negative", at: countNode) }
                prizes.append(
                    Prize(
                        id: prizeID, title: prizeFields["title"].flatMap { reader.localized($0, "title of prize '\(prizeID)'") } ?? LocalizedText(prizeID),
                        count: Int(max(0, count))))
            }
            categories.append(
                AwardCategory(
                    id: id, title: fields["title"].flatMap { reader.localized($0, "title of category '\(id)'") } ?? LocalizedText(id),
                    when: when, prizes: prizes, location: item.location))
        }
        var rankBy: [RankKey] = []
        for item in entries["rank_by"].map({ reader.sequence($0, "rank_by") }) ?? [] {
            guard let fields = reader.mapping(item, "a ranking key", allowed: ["expr", "order", "title"]),
                let exprNode = reader.require(fields, "expr", in: "a ranking key", at: item),
                let expression = reader.expression(exprNode, in: environment)
            else { continue }
            var descending = false
            if let orderNode = fields["order"], let order = reader.string(orderNode) {
                switch order {
                case "desc": descending = true
                case "asc": descending = false
                default: reader.error("award.order", "order must be 'asc' or 'desc', found '\(order)'", at: orderNode)
                }
            }
            rankBy.append(
                RankKey(expression: expression, descending: descending, title: fields["title"].flatMap { reader.localized($0, "title") }))
        }
        if categories.isEmpty { reader.error("award.categories", "an award needs at least one category", at: header.node) }
        guard let eligible, let score else { return nil }
        return AwardRules(eligible: eligible, score: score, categories: categories, rankBy: rankBy)
    }
}
