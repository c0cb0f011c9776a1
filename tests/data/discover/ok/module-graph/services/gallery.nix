{ atelier, lib, ... }:
let
  name = "gallery";
  sub = dir: "${dir}/thumbs";
in
{
  imports = [
    (atelier.lib.mkService {
      inherit name;
      extraConfig = cfg: {
        atelier.services.${name}.data = {
          sqlite = [ "${cfg.dataDir}/db/${name}.sqlite" ];
          files = map (d: "${cfg.dataDir}/${d}") [ "albums" "people" ] ++ lib.optional true (sub cfg.dataDir);
          stopUnits = [ "${name}.service" "${name}-worker.service" ];
        };
      };
    })
  ];
}
