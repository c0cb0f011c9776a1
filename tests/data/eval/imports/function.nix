{ name, dataDir ? "/var/lib/${name}" }:
{ inherit name dataDir; }
