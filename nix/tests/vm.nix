# checks.<system>.vm: a NixOS machine with the fixture host's services (notes:
# SQLite + files; wiki: PostgreSQL + files + a dump; legacy: a manual
# registration), their data seeded, backed up by their own units into a local
# repository, wiped (files, database and all), then recovered with
# `atelier-backup dr --yes`, and checked byte for byte / row for row.
{ atelier }:

{
  name = "atelier-disaster-recovery";

  # as nix/tests/fixtures/flake.nix declares the host
  node.specialArgs = { inherit atelier; };
  nodes.testhost =
    { pkgs, lib, ... }:
    {
      imports = [
        atelier.nixosModules.default
        ./fixtures/services.nix
        ./fixtures/host.nix
        ./fixtures/generated/testhost.nix
      ];

      services.postgresql = {
        enable = true;
        ensureDatabases = [ "wiki" ];
        ensureUsers = [
          {
            name = "wiki";
            ensureDBOwnership = true;
          }
        ];
      };

      # the units stopped around restores must exist
      systemd.services =
        lib.genAttrs
          [
            "wiki"
            "legacy"
          ]
          (name: {
            wantedBy = [ "multi-user.target" ];
            serviceConfig.ExecStart = "${pkgs.coreutils}/bin/sleep infinity";
          });

      environment.systemPackages = [
        pkgs.sqlite
        pkgs.jq
      ];
      virtualisation.memorySize = 1536;
    };

  testScript = ''
    import json

    testhost.wait_for_unit("multi-user.target")
    testhost.wait_for_unit("postgresql.service")
    testhost.wait_for_unit("notes.service")

    with subtest("the generated units and manifest are in place"):
        testhost.succeed("test -s /etc/atelier/backup-manifest.json")
        testhost.succeed("systemctl cat restic-backups-notes.timer | grep -q Persistent=true")
        testhost.wait_for_unit("restic-backups-wiki.timer")

    with subtest("seed the services' data and the secret"):
        # the password is a runtime file outside the store, as a secret manager would place it
        testhost.succeed("install -d -m 0700 /run/keys && printf vm-test-password > /run/keys/restic-password")
        testhost.succeed(
            "sqlite3 /var/lib/notes/notes.db "
            "\"create table notes(id integer primary key, body text); "
            "insert into notes(body) values ('first'), ('second'), ('third');\""
        )
        testhost.succeed("install -d /var/lib/notes/attachments && head -c 300000 /dev/urandom > /var/lib/notes/attachments/photo.bin")
        testhost.succeed("echo scratch > /var/lib/notes/attachments/draft.tmp")
        testhost.succeed("chown -R notes:notes /var/lib/notes")
        testhost.succeed(
            "runuser -u wiki -- psql -d wiki -c "
            "\"create table pages(title text primary key, body text); "
            "insert into pages values ('Home', 'Welcome'), ('About', 'atelier VM test');\""
        )
        testhost.succeed("install -d -o wiki -g wiki /srv/wiki/uploads && echo diagram > /srv/wiki/uploads/diagram.svg")
        testhost.succeed("echo '{\"theme\": \"dark\"}' > /srv/wiki/settings.json")
        testhost.succeed("install -d /srv/legacy && echo 'legacy data' > /srv/legacy/data.txt")
        before = testhost.succeed(
            "sha256sum /var/lib/notes/attachments/photo.bin /srv/wiki/uploads/diagram.svg "
            "/srv/wiki/settings.json /srv/legacy/data.txt"
        )

    with subtest("each service is backed up by its own unit"):
        for service in ["notes", "wiki", "legacy"]:
            testhost.succeed(f"systemctl start restic-backups-{service}.service")
        snapshots = json.loads(testhost.succeed("atelier-backup --json list"))
        services = sorted({s["service"] for s in snapshots})
        assert services == ["legacy", "notes", "wiki"], f"snapshots of {services}"
        for s in snapshots:
            assert "atelier" in s["tags"] and f"service:{s['service']}" in s["tags"], s
            assert s["hostname"] == "testhost", s
        testhost.succeed("atelier-backup status")

    with subtest("disaster: the data is gone"):
        testhost.succeed("systemctl stop notes.service wiki.service legacy.service")
        testhost.succeed("rm -rf /var/lib/notes/* /srv/wiki /srv/legacy")
        testhost.succeed("runuser -u postgres -- dropdb wiki")
        testhost.fail("test -e /var/lib/notes/notes.db")

    with subtest("dr --plan changes nothing"):
        testhost.succeed("atelier-backup dr --plan")
        testhost.fail("test -e /var/lib/notes/notes.db")

    with subtest("dr --yes restores every service"):
        testhost.succeed("atelier-backup dr --yes")

        bodies = testhost.succeed("sqlite3 /var/lib/notes/notes.db 'select group_concat(body) from notes order by id'").strip()
        assert bodies == "first,second,third", bodies
        testhost.succeed("sqlite3 /var/lib/notes/notes.db 'pragma integrity_check' | grep -qx ok")
        testhost.fail("test -e /var/lib/notes/attachments/draft.tmp")  # excluded by *.tmp

        pages = testhost.succeed("runuser -u postgres -- psql -At -d wiki -c 'select title from pages order by title'").split()
        assert pages == ["About", "Home"], pages
        owner = testhost.succeed("runuser -u postgres -- psql -At -c \"select pg_get_userbyid(datdba) from pg_database where datname = 'wiki'\"").strip()
        assert owner == "wiki", f"database recreated with OWNER = wiki, got {owner}"

        after = testhost.succeed(
            "sha256sum /var/lib/notes/attachments/photo.bin /srv/wiki/uploads/diagram.svg "
            "/srv/wiki/settings.json /srv/legacy/data.txt"
        )
        assert before == after, f"{before} != {after}"
        testhost.succeed("test \"$(stat -c %U /var/lib/notes/notes.db)\" = notes")

    with subtest("the services run on the restored data"):
        testhost.succeed("systemctl start notes.service wiki.service legacy.service")
        testhost.wait_for_unit("notes.service")
  '';
}
