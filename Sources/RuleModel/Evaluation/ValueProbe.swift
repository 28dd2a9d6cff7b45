import ExpressionLanguage

/// A value an expression reads: a dossier field path (`company.employees`), a let, a program
/// summary field or a round field. Found in the checked expression once, read after evaluation so
/// that results can show "the values that decided it".
struct ValueProbe: Sendable {
    let name: String
    let slot: Int
    /// Field indexes from the slot's record down to the value.
    let steps: [Int]

    func read(_ activation: Activation) -> UsedValue {
        if case .failed(let error) = activation[slot], case .failure(let message) = error.kind {
            return UsedValue(name: name, value: nil, error: message)
        }
        guard case .value(var current) = activation[slot] else { return UsedValue(name: name, value: nil) }
        for index in steps {
            guard case .record(let record) = current, let next = record.field(index) else {
                return UsedValue(name: name, value: nil)
            }
            current = next
        }
        return UsedValue(name: name, value: current)
    }

    /// The probes of an expression, in the order they first appear, without duplicates.
    /// - Parameter declaredSlots: slots below this are declared variables (not comprehension variables).
    static func probes(in node: CheckedNode, declaredSlots: Int) -> [ValueProbe] {
        var found: [ValueProbe] = []
        func add(_ probe: ValueProbe) { if !found.contains(where: { $0.name == probe.name }) { found.append(probe) } }
        func visit(_ node: CheckedNode) {
            if let probe = fieldChain(node, declaredSlots: declaredSlots) {
                add(probe)
                return
            }
            switch node.kind {
            case .variable(let slot, let name) where slot < declaredSlots && slot > RuleSet.programsSlot:
                add(ValueProbe(name: name, slot: slot, steps: []))
            case .recordField(let operand, _, _, _), .select(let operand, _, _), .presence(let operand, _), .not(let operand):
                visit(operand)
            case .call(_, _, let args), .unknownFunction(_, let args), .list(let args):
                args.forEach(visit)
            case .and(let l, let r), .or(let l, let r), .equals(let l, let r, _), .compare(_, let l, let r), .fallback(let l, let r):
                visit(l)
                visit(r)
            case .conditional(let c, let t, let e):
                visit(c)
                visit(t)
                visit(e)
            case .map(let entries):
                for entry in entries {
                    visit(entry.key)
                    visit(entry.value)
                }
            case .comprehension(let c):
                visit(c.range)
                c.predicate.map(visit)
                c.transform.map(visit)
            default:
                break
            }
        }
        visit(node)
        return found
    }

    /// `dossier.a.b`, `programs.certification.tier`, `round.year`: a field chain from a declared variable.
    private static func fieldChain(_ node: CheckedNode, declaredSlots: Int) -> ValueProbe? {
        var steps: [Int] = []
        var names: [String] = []
        var current = node
        while case .recordField(let operand, let index, let name, _) = current.kind {
            steps.append(index)
            names.append(name)
            current = operand
        }
        guard !steps.isEmpty, case .variable(let slot, let root) = current.kind, slot < declaredSlots else { return nil }
        let path = names.reversed().joined(separator: ".")
        return ValueProbe(name: root == "dossier" ? path : "\(root).\(path)", slot: slot, steps: steps.reversed())
    }
}
