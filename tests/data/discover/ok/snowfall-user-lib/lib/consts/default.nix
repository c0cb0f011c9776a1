{
  consts.passwordFile = "/run/keys/restic";
}
