/// Bounds on what one load may cost, so a hostile or broken file cannot exhaust the daemon.
///
/// Rules and dossiers are small; the defaults leave a wide margin for them and still refuse
/// alias bombs ("billion laughs") and absurd nesting in well under a second.
public struct YAMLLimits: Sendable, Hashable {
    /// Largest input, in bytes. Default 16 MiB.
    public var maxBytes: Int
    /// Deepest nesting of mappings and sequences, counting the outermost as 1. Default 100.
    ///
    /// Code that walks a tree recurses, and so does freeing it: keep this in the hundreds.
    public var maxDepth: Int
    /// Most nodes in a stream, counting every node an alias expands to. Default 1,000,000.
    public var maxNodes: Int
    /// Most nodes that aliases may add to a stream by expansion. Default 100,000.
    public var maxAliasExpansion: Int

    public init(
        maxBytes: Int = 16 << 20,
        maxDepth: Int = 100,
        maxNodes: Int = 1_000_000,
        maxAliasExpansion: Int = 100_000
    ) {
        self.maxBytes = maxBytes
        self.maxDepth = maxDepth
        self.maxNodes = maxNodes
        self.maxAliasExpansion = maxAliasExpansion
    }
}
