extension FunctionLibrary {
    /// CEL's standard functions, cel-go's strings extension, and DiaCert's additions
    /// (`decimal`, `sum`, `min`, `max`, `round`, `abs`).
    public static let standard: FunctionLibrary = {
        var library = FunctionLibrary()
        for function in operatorFunctions + conversionFunctions + stringFunctions + aggregateFunctions {
            library.add(function)
        }
        for accessor in TimeFunctions.accessors { library.add(accessor) }
        return library
    }()

    // MARK: Operators

    private static let numericTypes: [CELType] = [.int, .uint, .double, .decimal]

    private static var operatorFunctions: [Function] {
        let arithmeticSignatures: [Function.Signature] =
            numericTypes.map { sig([$0, $0], $0) } + [
                sig([.int, .decimal], .decimal), sig([.decimal, .int], .decimal),
                sig([.uint, .decimal], .decimal), sig([.decimal, .uint], .decimal),
                sig([.double, .decimal], .decimal), sig([.decimal, .double], .decimal),
            ]
        return [
            Function(
                "_+_",
                signatures: arithmeticSignatures + [
                    sig([.string, .string], .string), sig([.bytes, .bytes], .bytes),
                    sig([.list(typeA), .list(typeA)], .list(typeA)),
                    sig([.timestamp, .duration], .timestamp), sig([.duration, .timestamp], .timestamp),
                    sig([.duration, .duration], .duration),
                ],
                implementations: [2: .binary(Operators.add)]),
            Function(
                "_-_",
                signatures: arithmeticSignatures + [
                    sig([.timestamp, .timestamp], .duration), sig([.timestamp, .duration], .timestamp),
                    sig([.duration, .duration], .duration),
                ],
                implementations: [2: .binary(Operators.subtract)]),
            Function("_*_", signatures: arithmeticSignatures, implementations: [2: .binary(Operators.multiply)]),
            Function("_/_", signatures: arithmeticSignatures, implementations: [2: .binary(Operators.divide)]),
            Function(
                "_%_",
                signatures: [
                    sig([.int, .int], .int), sig([.uint, .uint], .uint), sig([.decimal, .decimal], .decimal),
                    sig([.int, .decimal], .decimal), sig([.decimal, .int], .decimal),
                ],
                implementations: [2: .binary(Operators.remainder)]),
            Function(
                "-_", signatures: [sig([.int], .int), sig([.double], .double), sig([.decimal], .decimal), sig([.duration], .duration)],
                implementations: [1: .unary(Operators.negate)]),
            Function("!_", signatures: [sig([.bool], .bool)], implementations: [1: .unary(Operators.not)]),
            Function(
                "@in",
                signatures: [sig([typeA, .list(typeA)], .bool), sig([typeA, .map(typeA, typeB)], .bool)],
                implementations: [2: .binary { e, c throws(EvalError) in .bool(try Operators.contains(e, in: c)) }]),
            Function(
                "_[_]",
                signatures: [sig([.list(typeA), .int], typeA), sig([.map(typeA, typeB), typeA], typeB)],
                implementations: [2: .binary(Operators.index)]),
        ]
    }

    // MARK: Conversions

    private static var conversionFunctions: [Function] {
        [
            Function(
                "int",
                signatures: [.int, .uint, .double, .decimal, .string, .timestamp].map { sig([$0], .int) },
                implementations: [1: .unary(Conversions.toInt)]),
            Function(
                "uint", signatures: [.int, .uint, .double, .decimal, .string].map { sig([$0], .uint) },
                implementations: [1: .unary(Conversions.toUInt)]),
            Function(
                "double", signatures: [.int, .uint, .double, .decimal, .string].map { sig([$0], .double) },
                implementations: [1: .unary(Conversions.toDouble)]),
            Function(
                "decimal", signatures: [.int, .uint, .double, .decimal, .string].map { sig([$0], .decimal) },
                implementations: [1: .unary(Conversions.toDecimal)]),
            Function(
                "string",
                signatures: [.string, .int, .uint, .double, .decimal, .bool, .bytes, .timestamp, .duration].map {
                    sig([$0], .string)
                },
                implementations: [1: .unary(Conversions.toString)]),
            Function(
                "bytes", signatures: [sig([.bytes], .bytes), sig([.string], .bytes)],
                implementations: [1: .unary(Conversions.toBytes)]),
            Function(
                "bool", signatures: [sig([.bool], .bool), sig([.string], .bool)],
                implementations: [1: .unary(Conversions.toBool)]),
            Function(
                "timestamp", signatures: [sig([.timestamp], .timestamp), sig([.string], .timestamp), sig([.int], .timestamp)],
                implementations: [1: .unary(Conversions.toTimestamp)]),
            Function(
                "duration", signatures: [sig([.duration], .duration), sig([.string], .duration), sig([.int], .duration)],
                implementations: [1: .unary(Conversions.toDuration)]),
            Function("dyn", signatures: [sig([typeA], .dyn)], implementations: [1: .unary { $0 }]),
            Function(
                "type", signatures: [sig([typeA], .type(typeA))],
                implementations: [1: .unary { v throws(EvalError) in Conversions.typeOf(v) }]),
        ]
    }

    // MARK: Strings

    private static var stringFunctions: [Function] {
        let sizeTypes: [CELType] = [.string, .bytes, .list(typeA), .map(typeA, typeB)]
        return [
            Function(
                "size", signatures: sizeTypes.map { sig([$0], .int) } + sizeTypes.map { method([$0], .int) },
                implementations: [1: .unary(Strings.size)]),
            Function("contains", signatures: [method([.string, .string], .bool)], implementations: [2: .binary(Strings.contains)]),
            Function(
                "startsWith", signatures: [method([.string, .string], .bool)], implementations: [2: .binary(Strings.startsWith)]),
            Function("endsWith", signatures: [method([.string, .string], .bool)], implementations: [2: .binary(Strings.endsWith)]),
            Function(
                "matches", signatures: [method([.string, .string], .bool), sig([.string, .string], .bool)],
                implementations: [2: .binary(Strings.matches)]),
            Function("charAt", signatures: [method([.string, .int], .string)], implementations: [2: .binary(Strings.charAt)]),
            Function(
                "indexOf", signatures: [method([.string, .string], .int), method([.string, .string, .int], .int)],
                implementations: [2: .variadic(Strings.indexOf), 3: .variadic(Strings.indexOf)]),
            Function(
                "lastIndexOf", signatures: [method([.string, .string], .int), method([.string, .string, .int], .int)],
                implementations: [2: .variadic(Strings.lastIndexOf), 3: .variadic(Strings.lastIndexOf)]),
            Function("lowerAscii", signatures: [method([.string], .string)], implementations: [1: .unary(Strings.lowerAscii)]),
            Function("upperAscii", signatures: [method([.string], .string)], implementations: [1: .unary(Strings.upperAscii)]),
            Function(
                "replace",
                signatures: [method([.string, .string, .string], .string), method([.string, .string, .string, .int], .string)],
                implementations: [3: .variadic(Strings.replace), 4: .variadic(Strings.replace)]),
            Function(
                "split", signatures: [method([.string, .string], .list(.string)), method([.string, .string, .int], .list(.string))],
                implementations: [2: .variadic(Strings.split), 3: .variadic(Strings.split)]),
            Function(
                "substring", signatures: [method([.string, .int], .string), method([.string, .int, .int], .string)],
                implementations: [2: .variadic(Strings.substring), 3: .variadic(Strings.substring)]),
            Function("trim", signatures: [method([.string], .string)], implementations: [1: .unary(Strings.trim)]),
            Function(
                "join", signatures: [method([.list(.string)], .string), method([.list(.string), .string], .string)],
                implementations: [1: .variadic(Strings.join), 2: .variadic(Strings.join)]),
            Function("reverse", signatures: [method([.string], .string)], implementations: [1: .unary(Strings.reverse)]),
            Function("strings.quote", signatures: [sig([.string], .string)], implementations: [1: .unary(Strings.quote)]),
            Function(
                "format", signatures: [method([.string, .list(.dyn)], .string)],
                implementations: [2: .binary(StringFormat.format)]),
        ]
    }

    // MARK: Aggregates and rounding

    /// The type of `min(a, b)` for two numbers: their type if equal, decimal for an integer and a
    /// decimal, else dyn.
    private static func mixedResult(_ a: CELType, _ b: CELType) -> CELType {
        if a == b { return a }
        if a == .decimal || b == .decimal, a != .double, b != .double { return .decimal }
        return .dyn
    }

    private static var aggregateFunctions: [Function] {
        let numericLists = numericTypes.map { CELType.list($0) } + [.list(.dyn)]
        let extremeSignatures: [Function.Signature] =
            numericLists.map { list -> Function.Signature in
                guard case .list(let element) = list else { return sig([list], .dyn) }
                return sig([list], element)
            } + [.string, .timestamp, .duration].map { sig([.list($0)], $0) }
            + numericTypes.flatMap { a in numericTypes.map { b in sig([a, b], mixedResult(a, b)) } }
        return [
            Function(
                "sum",
                signatures: [
                    sig([.list(.int)], .int), sig([.list(.uint)], .uint), sig([.list(.double)], .double),
                    sig([.list(.decimal)], .decimal), sig([.list(.dyn)], .dyn),
                ],
                implementations: [1: .unary(Aggregates.sum)]),
            Function(
                "min", signatures: extremeSignatures,
                implementations: [
                    1: .variadic { a throws(EvalError) in try Aggregates.extreme(a, name: "min", wantSmaller: true) },
                    2: .variadic { a throws(EvalError) in try Aggregates.extreme(a, name: "min", wantSmaller: true) },
                ]),
            Function(
                "max", signatures: extremeSignatures,
                implementations: [
                    1: .variadic { a throws(EvalError) in try Aggregates.extreme(a, name: "max", wantSmaller: false) },
                    2: .variadic { a throws(EvalError) in try Aggregates.extreme(a, name: "max", wantSmaller: false) },
                ]),
            Function(
                "round",
                signatures: numericTypes.map { sig([$0], $0) } + numericTypes.map { sig([$0, .int], $0) },
                implementations: [1: .variadic(Aggregates.round), 2: .variadic(Aggregates.round)]),
            Function(
                "distinct", signatures: [sig([.list(typeA)], .list(typeA)), method([.list(typeA)], .list(typeA))],
                implementations: [1: .unary(Aggregates.distinct)]),
            Function("abs", signatures: numericTypes.map { sig([$0], $0) }, implementations: [1: .unary(Aggregates.abs)]),
        ]
    }
}
