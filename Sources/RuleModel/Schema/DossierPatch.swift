import Diagnostics
public import YAMLLoader

/// A change to a dossier before it is read: a rule test's `patch:` entry (`company.employees: 10`).
/// A null value removes the field.
public struct DossierPatch: Sendable {
    public var path: [String]
    public var value: YAMLNode?

    public init(path: String, value: YAMLNode?) {
        self.path = path.split(separator: ".").map(String.init)
        self.value = value
    }

    func apply(to node: YAMLNode) -> YAMLNode {
        set(path[...], in: node)
    }

    private func set(_ path: ArraySlice<String>, in node: YAMLNode) -> YAMLNode {
        guard let key = path.first else { return value ?? node }
        var pairs = node.mapping ?? []
        let rest = path.dropFirst()
        if let index = pairs.firstIndex(where: { $0.key.scalar?.text == key }) {
            if rest.isEmpty, value == nil {
                pairs.remove(at: index)
            } else {
                pairs[index].value = set(rest, in: pairs[index].value)
            }
        } else if value != nil {
            let keyNode = YAMLNode(kind: .scalar(YAMLScalar(text: key, style: .plain)), start: node.start, end: node.start, file: node.file)
            let empty = YAMLNode(kind: .mapping([]), start: node.start, end: node.start, file: node.file)
            pairs.append(YAMLPair(key: keyNode, value: set(rest, in: empty)))
        }
        var copy = node
        copy.kind = .mapping(pairs)
        return copy
    }
}
