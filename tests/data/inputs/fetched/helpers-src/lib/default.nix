{ }:
{
  dataDir = name: "/srv/fetched/${name}";
}
