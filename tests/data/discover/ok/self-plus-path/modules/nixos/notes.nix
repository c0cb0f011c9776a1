{ flake, ... }:
{
  imports = [
    (flake.inputs.atelier.lib.mkService {
      name = "notes";
      extraConfig = cfg: {
        atelier.services.notes.data.sqlite = "${cfg.dataDir}/notes.db";
      };
    })
  ];
}
