# A wiki on PostgreSQL; the database is recreated with its collation on
# restore, and the search indexer is stopped while that happens.
{ atelier, pkgs, ... }:
let
  name = "wiki";
in
{
  imports = [
    (atelier.lib.mkService {
      inherit name;
      description = "Team wiki";
      extraConfig = cfg: {
        systemd.services.wiki.serviceConfig.ExecStart = "${pkgs.outline}/bin/outline-server";
        systemd.services.wiki-indexer.serviceConfig.ExecStart = "${pkgs.outline}/bin/outline-worker";

        atelier.services.${name}.data = {
          postgres = {
            name = "wiki";
            create = {
              OWNER = "wiki";
              ENCODING = "UTF8";
              TEMPLATE = "template0";
              LC_COLLATE = "C";
              LC_CTYPE = "C";
            };
            stopOnRestore = [ "wiki-indexer.service" ];
          };
          files = [ "${cfg.dataDir}/attachments" ];
          stopUnits = [
            "wiki.service"
            "wiki-indexer.service"
          ];
          hooks.postRestore = "${pkgs.curl}/bin/curl -fsS -X POST http://127.0.0.1:3000/api/reindex";
        };
      };
    })
  ];
}
