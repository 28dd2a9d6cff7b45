/// Entry point of the `conformance` command.
public enum ConformanceMain {
    public static func run() {
        print("conformance: not yet implemented")
    }
}
