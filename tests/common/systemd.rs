//! A real systemd (252, the machine's) as PID 1 of its own PID + mount +
//! cgroup namespace, running the units the generated module renders for
//! `tests/data/systemd_real` through the shared nixos-eval harness.
//!
//! Isolation (see `tests/data/systemd_real/boot.sh`): /tmp, /run, /var/tmp,
//! /var/lib, /var/log and /dev are private tmpfs, /etc is a copy, /nix/store
//! is this machine's own tree. The units that would touch the machine
//! (tmpfiles, sysctl, sysusers, udev, ...) are masked in the copy of /etc.
//! `Machine::boot` returns `Err` with the reason when the namespace cannot
//! be made; callers print SKIP.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// Upstream units that act on the whole machine: never started inside.
const MASKED: &[&str] = &[
    "systemd-tmpfiles-setup.service",
    "systemd-tmpfiles-setup-dev.service",
    "systemd-tmpfiles-clean.timer",
    "systemd-tmpfiles-clean.service",
    "systemd-sysctl.service",
    "systemd-sysusers.service",
    "systemd-modules-load.service",
    "systemd-remount-fs.service",
    "systemd-binfmt.service",
    "proc-sys-fs-binfmt_misc.automount",
    "systemd-random-seed.service",
    "systemd-machine-id-commit.service",
    "systemd-firstboot.service",
    "systemd-update-utmp.service",
    "systemd-journal-flush.service",
    "systemd-repart.service",
    "systemd-pcrphase.service",
    "systemd-pcrphase-sysinit.service",
    "kmod-static-nodes.service",
    "systemd-udevd.service",
    "systemd-udev-trigger.service",
    "systemd-hwdb-update.service",
    "dev-hugepages.mount",
    "dev-mqueue.mount",
    "sys-kernel-config.mount",
    "sys-kernel-debug.mount",
    "sys-kernel-tracing.mount",
    "sys-fs-fuse-connections.mount",
    "systemd-ask-password-console.path",
    "systemd-ask-password-wall.path",
    "systemd-initctl.socket",
    "getty.target",
    "apt-daily.timer",
    "apt-daily-upgrade.timer",
    "e2scrub_all.timer",
    "fstrim.timer",
    "man-db.timer",
    "dpkg-db-backup.timer",
];

/// What the nixos-eval harness rendered for the test host.
pub struct Rendered {
    pub eval: Value,
}

impl Rendered {
    /// Copies `tests/data/systemd_real` to `work`, sets the backups'
    /// `OnCalendar=` and `extra` Nix lines in host.nix, runs `atelier-gen
    /// generate` on it and evaluates the host under the harness at `harness`.
    pub fn render(harness: &Path, work: &Path, schedule: &str, extra_host: &str) -> Self {
        let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
        let fixture = repo.join("tests/data/systemd_real");
        std::fs::create_dir_all(work).unwrap();
        for f in ["flake.nix", "services.nix"] {
            std::fs::copy(fixture.join(f), work.join(f)).unwrap();
        }
        let flake = std::fs::read_to_string(work.join("flake.nix"))
            .unwrap()
            .replace("path:../../..", &format!("path:{}", repo.display()));
        std::fs::write(work.join("flake.nix"), flake).unwrap();
        let host = std::fs::read_to_string(fixture.join("host.nix"))
            .unwrap()
            .replace("@SCHEDULE@", schedule);
        let host = match host.rfind('}') {
            Some(i) => format!("{}{extra_host}\n}}\n", &host[..i]),
            None => panic!("host.nix has no closing brace"),
        };
        std::fs::write(work.join("host.nix"), host).unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_atelier-gen"))
            .args(["generate", "--no-cache"])
            .arg(work)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "atelier-gen generate failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let wrapper = work.join("services-wrapper.nix");
        std::fs::write(
            &wrapper,
            format!(
                "{{ imports = [ ((import {}) {{ atelier.lib.mkService = import {}; }}) ]; }}\n",
                work.join("services.nix").display(),
                repo.join("nix/lib/mkService.nix").display()
            ),
        )
        .unwrap();
        let out = Command::new(harness.join("eval.sh"))
            .arg(repo.join("nix/modules/default.nix"))
            .arg(&wrapper)
            .arg(work.join("host.nix"))
            .arg(work.join("generated/realhost.nix"))
            .arg(repo.join("nix/tests/fixtures/stub-package.nix"))
            .arg("--raw")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "eval.sh failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let eval: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(eval["failedAssertions"], serde_json::json!([]));
        Self { eval }
    }

    pub fn unit(&self, name: &str) -> String {
        self.eval["units"][name]["text"]
            .as_str()
            .unwrap_or_else(|| panic!("unit {name} was not rendered"))
            .to_owned()
    }

    pub fn manifest(&self) -> String {
        self.eval["etc"]["atelier/backup-manifest.json"]["text"]
            .as_str()
            .expect("the manifest is rendered")
            .to_owned()
    }
}

/// A booted systemd and the directory that holds its /etc and store.
pub struct Machine {
    pub root: tempfile::TempDir,
    boot: Child,
    /// systemd's PID on the machine (PID 1 inside).
    pub pid: u32,
}

fn write_exec(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// Every `/nix/store/<name>` a text mentions.
fn store_paths(text: &str, into: &mut std::collections::BTreeSet<String>) {
    let mut rest = text;
    while let Some(i) = rest.find("/nix/store/") {
        let tail = &rest[i + "/nix/store/".len()..];
        let end = tail
            .find(|c: char| c == '/' || c.is_whitespace() || c == '"' || c == '\'' || c == ':')
            .unwrap_or(tail.len());
        into.insert(tail[..end].to_owned());
        rest = &tail[end..];
    }
}

/// Why the namespace cannot be made here, if it cannot.
pub fn unavailable() -> Option<String> {
    if !nix::unistd::Uid::effective().is_root() {
        return Some("not root".into());
    }
    for p in [
        "/lib/systemd/systemd",
        "/usr/bin/unshare",
        "/usr/bin/nsenter",
        "/sys/fs/cgroup/unified/cgroup.procs",
        "/nix/store",
    ] {
        if !Path::new(p).exists() {
            return Some(format!("{p} is missing"));
        }
    }
    let probe = Command::new("unshare")
        .args(["--pid", "--fork", "--mount", "--mount-proc", "true"])
        .output();
    match probe {
        Ok(o) if o.status.success() => None,
        Ok(o) => Some(format!(
            "unshare --pid --mount fails: {}",
            String::from_utf8_lossy(&o.stderr).trim()
        )),
        Err(e) => Some(format!("cannot run unshare: {e}")),
    }
}

impl Machine {
    /// Installs `rendered`'s units and boots. `restic_dir` goes first on the
    /// PATH of atelier-backup (the package wraps it with restic, as
    /// nix/package.nix does).
    pub fn boot(rendered: &Rendered) -> Result<Self, String> {
        if let Some(why) = unavailable() {
            return Err(why);
        }
        let root = tempfile::Builder::new()
            .prefix("systemd-real-")
            .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
            .unwrap();
        let r = root.path();
        std::fs::create_dir_all(r.join("dev")).unwrap();
        // /etc: a copy without the machine's secrets or enabled units.
        let st = Command::new("cp")
            .args(["-a", "/etc"])
            .arg(r.join("etc"))
            .status()
            .unwrap();
        assert!(st.success(), "cp -a /etc");
        for secret in ["shadow", "gshadow", "shadow-", "gshadow-", "ssh"] {
            let p = r.join("etc").join(secret);
            let _ = std::fs::remove_dir_all(&p);
            let _ = std::fs::remove_file(&p);
        }
        let units_dir = r.join("etc/systemd/system");
        std::fs::remove_dir_all(&units_dir).unwrap();
        std::fs::create_dir_all(&units_dir).unwrap();

        let eval = &rendered.eval;
        let mut wants = Vec::new();
        let mut mentioned = std::collections::BTreeSet::new();
        for (name, unit) in eval["units"].as_object().unwrap() {
            let text = unit["text"].as_str().unwrap();
            store_paths(text, &mut mentioned);
            std::fs::write(units_dir.join(name), text).unwrap();
            let wanted = unit["wantedBy"].as_array().unwrap();
            if wanted
                .iter()
                .any(|w| w == "multi-user.target" || w == "timers.target")
            {
                wants.push(name.clone());
            }
        }
        for m in MASKED {
            std::os::unix::fs::symlink("/dev/null", units_dir.join(m)).unwrap();
        }
        std::fs::write(
            units_dir.join("atelier-test.target"),
            format!(
                "[Unit]\nDescription=atelier real-systemd test\nWants=systemd-journald.service dbus.socket systemd-logind.service {}\n",
                wants.join(" ")
            ),
        )
        .unwrap();
        // The manifest, as environment.etc would install it.
        std::fs::create_dir_all(r.join("etc/atelier")).unwrap();
        std::fs::write(
            r.join("etc/atelier/backup-manifest.json"),
            rendered.manifest(),
        )
        .unwrap();

        // Users and groups the modules declare.
        let mut passwd = std::fs::read_to_string(r.join("etc/passwd")).unwrap();
        let mut group = std::fs::read_to_string(r.join("etc/group")).unwrap();
        for (i, (name, u)) in eval["users"].as_object().unwrap().iter().enumerate() {
            let id = 64100 + i;
            let home = u["home"].as_str().unwrap_or("/var/empty");
            let _ = writeln!(passwd, "{name}:x:{id}:{id}::{home}:/usr/sbin/nologin");
            let _ = writeln!(group, "{}:x:{id}:", u["group"].as_str().unwrap_or(name));
        }
        std::fs::write(r.join("etc/passwd"), passwd).unwrap();
        std::fs::write(r.join("etc/group"), group).unwrap();
        let rules: Vec<String> = eval["tmpfiles"]["rules"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect();
        std::fs::create_dir_all(r.join("etc/tmpfiles.d")).unwrap();
        std::fs::write(
            r.join("etc/tmpfiles.d/atelier-test.conf"),
            rules.join("\n") + "\n",
        )
        .unwrap();

        // The store: atelier-backup is the binary under test, unit scripts
        // are the rendered bodies, every other package is the machine's /usr.
        let scripts = eval["serviceScripts"].as_object().unwrap();
        for (_, kinds) in scripts {
            for (_, body) in kinds.as_object().unwrap() {
                store_paths(body.as_str().unwrap(), &mut mentioned);
            }
        }
        store_paths(&rendered.manifest(), &mut mentioned);
        let store = r.join("store");
        std::fs::create_dir_all(&store).unwrap();
        let restic = which("restic");
        let mut sw_bin = String::new();
        for name in &mentioned {
            let dir = store.join(name);
            if name.ends_with("-atelier-backup") {
                write_exec(
                    &dir.join("bin/atelier-backup"),
                    &format!(
                        "#!/bin/sh\nPATH={}:$PATH exec {} \"$@\"\n",
                        restic.parent().unwrap().display(),
                        env!("CARGO_BIN_EXE_atelier-backup")
                    ),
                );
                // environment.systemPackages: on the PATH of a root shell.
                sw_bin = format!(
                    "mkdir -p /run/current-system/sw/bin\nln -s /nix/store/{name}/bin/atelier-backup /run/current-system/sw/bin/\n"
                );
            } else if let Some(script) = name.split_once("-unit-script-").map(|(_, s)| s) {
                let (unit, kind) = [
                    ("-pre-start", "preStart"),
                    ("-post-start", "postStart"),
                    ("-pre-stop", "preStop"),
                    ("-post-stop", "postStop"),
                    ("-reload", "reload"),
                    ("-start", "script"),
                ]
                .iter()
                .find_map(|(suffix, kind)| script.strip_suffix(suffix).map(|u| (u, *kind)))
                .unwrap_or_else(|| panic!("unit script {name}"));
                // makeJobScript writes `@` of a template's name as `_`.
                let key = scripts
                    .keys()
                    .find(|k| k.replace('@', "_") == unit)
                    .unwrap_or_else(|| panic!("no script of {unit} was rendered"));
                let body = scripts[key][kind].as_str().unwrap();
                write_exec(
                    &dir.join("bin").join(script),
                    &format!("#!/bin/bash\nset -e\n\n{body}"),
                );
            } else {
                std::fs::create_dir_all(&dir).unwrap();
                std::os::unix::fs::symlink("/usr/bin", dir.join("bin")).unwrap();
                std::os::unix::fs::symlink("/usr/sbin", dir.join("sbin")).unwrap();
            }
        }

        // Run inside, before systemd: what NixOS's activation would do.
        write_exec(
            &r.join("setup.sh"),
            &(String::from(
                "set -eu\n\
             systemd-tmpfiles --create /etc/tmpfiles.d/atelier-test.conf\n\
             mkdir -p /var/lib/atelier-keys\n\
             echo 'real systemd test password' > /var/lib/atelier-keys/password\n\
             chmod 0600 /var/lib/atelier-keys/password\n\
             install -d -o notes -g notes /var/lib/notes/attachments\n\
             echo 'attached' > /var/lib/notes/attachments/a.txt\n\
             install -d -o ledger -g ledger /var/lib/ledger/books\n\
             echo 'ledger 1' > /var/lib/ledger/books/2026.txt\n\
             touch /var/lib/notes/events.log /var/lib/ledger/events.log\n\
             chown notes:notes /var/lib/notes/events.log\n\
             chown ledger:ledger /var/lib/ledger/events.log\n",
            ) + &sw_bin),
        );

        let boot_script =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/systemd_real/boot.sh");
        let log = std::fs::File::create(r.join("boot.log")).unwrap();
        let boot = Command::new(&boot_script)
            .arg(r)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .map_err(|e| format!("cannot run {}: {e}", boot_script.display()))?;
        let mut machine = Self { root, boot, pid: 0 };
        machine.pid = machine.find_pid()?;
        machine.wait_running()?;
        Ok(machine)
    }

    /// The namespace's PID 1: the child of `unshare`, once it is systemd.
    fn find_pid(&mut self) -> Result<u32, String> {
        let deadline = Instant::now() + Duration::from_secs(30);
        let unshare = self.boot.id();
        loop {
            if let Ok(Some(st)) = self.boot.try_wait() {
                return Err(format!(
                    "boot.sh exited ({st}) before systemd ran: {}",
                    self.boot_log()
                ));
            }
            let children =
                std::fs::read_to_string(format!("/proc/{unshare}/task/{unshare}/children"))
                    .unwrap_or_default();
            if let Some(pid) = children.split_whitespace().next() {
                let pid: u32 = pid.parse().unwrap();
                let exe = std::fs::read_link(format!("/proc/{pid}/exe")).unwrap_or_default();
                if exe.ends_with("systemd") {
                    return Ok(pid);
                }
            }
            if Instant::now() > deadline {
                return Err(format!("systemd did not start: {}", self.boot_log()));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn wait_running(&self) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let out = self.run(&["systemctl", "is-system-running"]);
            let state = String::from_utf8_lossy(&out.stdout).trim().to_owned();
            if state == "running" || state == "degraded" {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "systemd is `{state}` after 60 s: {}\n{}",
                    self.boot_log(),
                    self.sh("systemctl --failed --no-pager; systemctl list-jobs --no-pager")
                ));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn boot_log(&self) -> String {
        std::fs::read_to_string(self.root.path().join("boot.log")).unwrap_or_default()
    }

    /// Runs `argv` inside the namespace (as root, a clean environment).
    pub fn run(&self, argv: &[&str]) -> Output {
        Command::new("nsenter")
            .args(["-t", &self.pid.to_string(), "-m", "-p", "--", "env", "-i"])
            .args([
                "PATH=/run/current-system/sw/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                "SYSTEMD_PAGER=",
                "SYSTEMD_COLORS=0",
                "LANG=C.UTF-8",
            ])
            .args(argv)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }

    /// `sh -c script` inside; stdout and stderr together.
    pub fn sh(&self, script: &str) -> String {
        let out = self.run(&["sh", "-c", script]);
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    }

    /// `sh -c script` inside; panics with its output unless it exits 0.
    pub fn ok(&self, script: &str) -> String {
        let out = self.run(&["sh", "-c", script]);
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "`{script}` failed inside:\n{text}");
        text
    }

    /// A file as the namespace sees it.
    pub fn read(&self, path: &str) -> String {
        std::fs::read_to_string(self.path(path)).unwrap_or_default()
    }

    pub fn path(&self, path: &str) -> PathBuf {
        PathBuf::from(format!("/proc/{}/root{path}", self.pid))
    }

    /// `systemctl show -p PROP --value UNIT`.
    pub fn prop(&self, unit: &str, prop: &str) -> String {
        let out = self.run(&["systemctl", "show", "-p", prop, "--value", unit]);
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    /// Polls `cond` every 100 ms for up to `secs`; panics with `what`.
    pub fn wait_for(&self, secs: u64, what: &str, mut cond: impl FnMut(&Self) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(secs);
        while !cond(self) {
            assert!(
                Instant::now() < deadline,
                "timed out after {secs} s waiting for {what}\n{}",
                self.sh("systemctl list-units --all --no-pager 'restic-*' 'atelier-*' notes.service ledger.service; journalctl --no-pager -n 60")
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Lines of `<dataDir>/events.log` of a service.
    pub fn events(&self, service: &str) -> Vec<String> {
        self.read(&format!("/var/lib/{service}/events.log"))
            .lines()
            .map(str::to_owned)
            .collect()
    }

    /// The unit's environment-independent facts, for messages.
    pub fn status(&self, unit: &str) -> String {
        self.sh(&format!("systemctl status --no-pager -n 30 {unit}"))
    }
}

fn which(program: &str) -> PathBuf {
    std::env::var_os("PATH")
        .and_then(|p| {
            std::env::split_paths(&p)
                .map(|d| d.join(program))
                .find(|f| f.is_file())
        })
        .unwrap_or_else(|| panic!("{program} is not on PATH"))
}

impl Drop for Machine {
    fn drop(&mut self) {
        if self.pid != 0 {
            // SIGKILL of a PID namespace's init ends every process in it;
            // its mounts go with the namespace.
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(i32::try_from(self.pid).unwrap_or(0)),
                nix::sys::signal::Signal::SIGKILL,
            );
        } else {
            let _ = self.boot.kill();
        }
        let _ = self.boot.wait();
        if let Ok(cg) = std::fs::read_to_string(self.root.path().join("cgroup")) {
            remove_cgroup(Path::new(cg.trim()));
        }
    }
}

/// Removes a cgroup directory tree, deepest first, once its processes are gone.
fn remove_cgroup(dir: &Path) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let mut dirs: Vec<PathBuf> = walkdir::WalkDir::new(dir)
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_dir())
            .map(walkdir::DirEntry::into_path)
            .collect();
        dirs.sort_by_key(|d| std::cmp::Reverse(d.components().count()));
        let mut left = false;
        for d in &dirs {
            if std::fs::remove_dir(d).is_err() {
                left = true;
            }
        }
        if !left || Instant::now() > deadline {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Parsed `KEY=value` facts (unused keys ignored).
pub fn facts(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}
