/// The daemon's commands (serve, submit, rounds, status, outbox) come with the daemon.
enum OperationsCommands {
    static var all: [Command] { [] }
}
