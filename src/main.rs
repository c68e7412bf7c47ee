fn main() -> std::process::ExitCode {
    wsbench::cli::main()
}
