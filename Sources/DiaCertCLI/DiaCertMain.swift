/// Entry point of the `diacert` command.
public enum DiaCertMain {
    public static func run() async {
        print("diacert: not yet implemented")
    }
}
