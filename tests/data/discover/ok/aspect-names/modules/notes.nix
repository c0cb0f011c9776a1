{ inputs, ... }:
{
  imports = [
    (inputs.atelier.lib.mkService {
      name = "notes";
      extraConfig = svc: {
        atelier.services.notes.data.sqlite = "${svc.dataDir}/notes.db";
      };
    })
  ];
  atelier.services.notes.enable = true;
}
