{ atelier, ... }:
{
  imports = [
    (atelier.lib.mkService {
      name = "chat";
      extraConfig = cfg: { atelier.services.chat.data.sqlite = "/var/lib/chat/chat.db"; };
    })
  ];
  atelier.services.chat.enable = true;
}
