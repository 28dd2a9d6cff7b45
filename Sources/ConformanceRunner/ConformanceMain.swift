import Foundation

/// Entry point of the `conformance` command: `conformance SUITE PATH...`.
///
/// Each suite is one case of the switch in ``run(arguments:)``.
public enum ConformanceMain {
    public static func run() -> Never {
        exit(run(arguments: Array(CommandLine.arguments.dropFirst())))
    }

    /// Runs a subcommand and returns the exit status: 0 when it ran, 2 for usage errors.
    public static func run(arguments: [String]) -> Int32 {
        let paths = Array(arguments.dropFirst())
        switch arguments.first {
        case "yaml":
            return YAMLConformance.main(paths: paths)
        case "cel":
            return CELConformance.main(paths: paths)
        default:
            FileHandle.standardError.write(Data("usage: conformance yaml|cel PATH...\n".utf8))
            return 2
        }
    }
}
