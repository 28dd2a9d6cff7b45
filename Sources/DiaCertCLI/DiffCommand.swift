enum DiffCommand {
    static func run(_ arguments: Arguments, _ console: Console) throws -> Int32 { ExitStatus.failure }
}
