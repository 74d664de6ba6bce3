# Stations (渝工港湾): see issue 4.
