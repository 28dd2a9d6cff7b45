// swift-tools-version:6.2
// DiaCert: a rule-driven evaluation daemon and CLI for the Dia 5-city decarbonisation scheme.
import PackageDescription

let strict: [SwiftSetting] = [
    .treatAllWarnings(as: .error),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "DiaCert",
    products: [
        .executable(name: "diacert", targets: ["diacert"]),
        .executable(name: "conformance", targets: ["conformance"]),
    ],
    targets: [
        // MARK: System C libraries (one module each; C types never leave the wrapping Swift module)
        .systemLibrary(name: "CYAML", pkgConfig: "yaml-0.1", providers: [.apt(["libyaml-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        // curl_easy_setopt / curl_easy_getinfo are variadic: one typed C wrapper per argument type.
        .target(name: "CCurlShim", dependencies: ["CCurl"]),

        // MARK: Libraries (all logic lives here)
        .target(name: "Diagnostics", swiftSettings: strict),
        .target(name: "YAMLLoader", dependencies: ["CYAML", "Diagnostics"], swiftSettings: strict),
        .target(name: "ExpressionLanguage", dependencies: ["Diagnostics"], swiftSettings: strict),
        .target(name: "Hashing", dependencies: ["CCrypto"], swiftSettings: strict),
        .target(name: "JSON", swiftSettings: strict),
        .target(
            name: "RuleModel",
            dependencies: ["Diagnostics", "YAMLLoader", "ExpressionLanguage", "Hashing", "JSON"],
            swiftSettings: strict
        ),
        .target(name: "Store", dependencies: ["CSQLite"], swiftSettings: strict),
        .target(name: "Delivery", dependencies: ["CCurlShim", "Hashing"], swiftSettings: strict),
        .target(
            name: "Daemon",
            dependencies: [
                "Diagnostics", "YAMLLoader", "ExpressionLanguage", "Hashing", "JSON", "RuleModel", "Store", "Delivery",
            ],
            swiftSettings: strict
        ),
        .target(
            name: "ConformanceRunner",
            dependencies: ["ExpressionLanguage", "YAMLLoader", "Diagnostics"],
            swiftSettings: strict
        ),
        .target(
            name: "DiaCertCLI",
            dependencies: [
                "Diagnostics", "YAMLLoader", "ExpressionLanguage", "Hashing", "JSON", "RuleModel", "Store", "Delivery", "Daemon",
            ],
            swiftSettings: strict
        ),

        // MARK: Thin executables
        .executableTarget(name: "diacert", dependencies: ["DiaCertCLI"], swiftSettings: strict),
        .executableTarget(name: "conformance", dependencies: ["ConformanceRunner"], swiftSettings: strict),
        // The benchmark (bench/run.sh): engine vs hand-written Swift, Dia rules, peers side by side.
        .executableTarget(
            name: "diacert-bench",
            dependencies: ["RuleModel", "ExpressionLanguage", "JSON", "Diagnostics"],
            path: "bench/Sources/DiaCertBench",
            swiftSettings: strict
        ),
        // Test helper: writes to a Store until SIGKILLed (crash-safety tests), claims outbox rows, benchmarks.
        .executableTarget(name: "store-crash-probe", dependencies: ["Store"], swiftSettings: strict),

        // MARK: Tests
        .testTarget(
            name: "DiaCertTests",
            dependencies: [
                "Diagnostics", "YAMLLoader", "ExpressionLanguage", "Hashing", "JSON", "RuleModel", "Store", "Delivery",
                "ConformanceRunner", "DiaCertCLI", "Daemon",
            ],
            swiftSettings: strict
        ),
    ]
)
