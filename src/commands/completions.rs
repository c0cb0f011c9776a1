//! `atelier-backup completions SHELL` and `atelier-backup man`.

use super::Context;

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// bash, zsh, fish, elvish or powershell.
    pub shell: clap_complete::Shell,
}

pub fn run(_ctx: &Context, args: &Args, cmd: &mut clap::Command) -> anyhow::Result<u8> {
    clap_complete::generate(args.shell, cmd, "atelier-backup", &mut std::io::stdout());
    Ok(0)
}

pub fn man(cmd: &mut clap::Command) -> anyhow::Result<u8> {
    clap_mangen::Man::new(cmd.clone()).render(&mut std::io::stdout())?;
    Ok(0)
}
