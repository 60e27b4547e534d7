//! `rgi-validator`: the command-line fixture runner.

fn main() {
    eprintln!("rgi-validator: not implemented yet");
    std::process::exit(2);
}
