"""French reference data for the benchmark generators: regions, départements and real towns with
their postal codes, first and last names, company name parts. Small on purpose: realistic, not exhaustive."""

from __future__ import annotations

from dataclasses import dataclass

# région: départements as "code name: postal code town, postal code town"
_REGIONS = """
Auvergne-Rhône-Alpes
01 Ain: 01000 Bourg-en-Bresse, 01100 Oyonnax
03 Allier: 03000 Moulins, 03100 Montluçon
07 Ardèche: 07000 Privas, 07200 Aubenas
15 Cantal: 15000 Aurillac, 15100 Saint-Flour
26 Drôme: 26000 Valence, 26200 Montélimar
38 Isère: 38000 Grenoble, 38200 Vienne, 38300 Bourgoin-Jallieu
42 Loire: 42000 Saint-Étienne, 42300 Roanne
43 Haute-Loire: 43000 Le Puy-en-Velay, 43100 Brioude
63 Puy-de-Dôme: 63000 Clermont-Ferrand, 63200 Riom
69 Rhône: 69001 Lyon, 69003 Lyon, 69007 Lyon, 69100 Villeurbanne, 69400 Villefranche-sur-Saône
73 Savoie: 73000 Chambéry, 73100 Aix-les-Bains
74 Haute-Savoie: 74000 Annecy, 74100 Annemasse, 74200 Thonon-les-Bains
Bourgogne-Franche-Comté
21 Côte-d'Or: 21000 Dijon, 21200 Beaune
25 Doubs: 25000 Besançon, 25200 Montbéliard
39 Jura: 39000 Lons-le-Saunier, 39100 Dole
58 Nièvre: 58000 Nevers, 58200 Cosne-Cours-sur-Loire
70 Haute-Saône: 70000 Vesoul, 70300 Luxeuil-les-Bains
71 Saône-et-Loire: 71000 Mâcon, 71100 Chalon-sur-Saône
89 Yonne: 89000 Auxerre, 89100 Sens
90 Territoire de Belfort: 90000 Belfort
Bretagne
22 Côtes-d'Armor: 22000 Saint-Brieuc, 22300 Lannion
29 Finistère: 29000 Quimper, 29200 Brest
35 Ille-et-Vilaine: 35000 Rennes, 35400 Saint-Malo
56 Morbihan: 56000 Vannes, 56100 Lorient
Centre-Val de Loire
18 Cher: 18000 Bourges, 18100 Vierzon
28 Eure-et-Loir: 28000 Chartres, 28100 Dreux
36 Indre: 36000 Châteauroux, 36100 Issoudun
37 Indre-et-Loire: 37000 Tours, 37400 Amboise
41 Loir-et-Cher: 41000 Blois, 41100 Vendôme
45 Loiret: 45000 Orléans, 45200 Montargis
Corse
2A Corse-du-Sud: 20000 Ajaccio, 20137 Porto-Vecchio
2B Haute-Corse: 20200 Bastia, 20250 Corte
Grand Est
08 Ardennes: 08000 Charleville-Mézières, 08200 Sedan
10 Aube: 10000 Troyes, 10100 Romilly-sur-Seine
51 Marne: 51000 Châlons-en-Champagne, 51100 Reims, 51200 Épernay
52 Haute-Marne: 52000 Chaumont, 52100 Saint-Dizier
54 Meurthe-et-Moselle: 54000 Nancy, 54400 Longwy
55 Meuse: 55000 Bar-le-Duc, 55100 Verdun
57 Moselle: 57000 Metz, 57100 Thionville
67 Bas-Rhin: 67000 Strasbourg, 67200 Strasbourg, 67500 Haguenau
68 Haut-Rhin: 68000 Colmar, 68100 Mulhouse
88 Vosges: 88000 Épinal, 88100 Saint-Dié-des-Vosges
Hauts-de-France
02 Aisne: 02000 Laon, 02100 Saint-Quentin
59 Nord: 59000 Lille, 59100 Roubaix, 59140 Dunkerque, 59200 Tourcoing, 59300 Valenciennes
60 Oise: 60000 Beauvais, 60200 Compiègne
62 Pas-de-Calais: 62000 Arras, 62100 Calais, 62200 Boulogne-sur-Mer
80 Somme: 80000 Amiens, 80100 Abbeville
Île-de-France
75 Paris: 75001 Paris, 75002 Paris, 75008 Paris, 75009 Paris, 75011 Paris, 75015 Paris, 75017 Paris
77 Seine-et-Marne: 77000 Melun, 77100 Meaux
78 Yvelines: 78000 Versailles, 78100 Saint-Germain-en-Laye
91 Essonne: 91000 Évry-Courcouronnes, 91300 Massy
92 Hauts-de-Seine: 92000 Nanterre, 92100 Boulogne-Billancourt, 92200 Neuilly-sur-Seine, 92400 Courbevoie
93 Seine-Saint-Denis: 93100 Montreuil, 93200 Saint-Denis
94 Val-de-Marne: 94000 Créteil, 94300 Vincennes
95 Val-d'Oise: 95000 Cergy, 95100 Argenteuil
Normandie
14 Calvados: 14000 Caen, 14100 Lisieux
27 Eure: 27000 Évreux, 27200 Vernon
50 Manche: 50000 Saint-Lô, 50100 Cherbourg-en-Cotentin
61 Orne: 61000 Alençon, 61100 Flers
76 Seine-Maritime: 76000 Rouen, 76200 Dieppe, 76600 Le Havre
Nouvelle-Aquitaine
16 Charente: 16000 Angoulême, 16100 Cognac
17 Charente-Maritime: 17000 La Rochelle, 17100 Saintes
19 Corrèze: 19000 Tulle, 19100 Brive-la-Gaillarde
23 Creuse: 23000 Guéret, 23200 Aubusson
24 Dordogne: 24000 Périgueux, 24100 Bergerac
33 Gironde: 33000 Bordeaux, 33500 Libourne, 33600 Pessac, 33700 Mérignac
40 Landes: 40000 Mont-de-Marsan, 40100 Dax
47 Lot-et-Garonne: 47000 Agen, 47300 Villeneuve-sur-Lot
64 Pyrénées-Atlantiques: 64000 Pau, 64100 Bayonne, 64200 Biarritz
79 Deux-Sèvres: 79000 Niort, 79100 Thouars
86 Vienne: 86000 Poitiers, 86100 Châtellerault
87 Haute-Vienne: 87000 Limoges, 87200 Saint-Junien
Occitanie
09 Ariège: 09000 Foix, 09100 Pamiers
11 Aude: 11000 Carcassonne, 11100 Narbonne
12 Aveyron: 12000 Rodez, 12100 Millau
30 Gard: 30000 Nîmes, 30100 Alès
31 Haute-Garonne: 31000 Toulouse, 31300 Toulouse, 31400 Toulouse, 31700 Blagnac
32 Gers: 32000 Auch, 32500 Fleurance
34 Hérault: 34000 Montpellier, 34200 Sète, 34500 Béziers
46 Lot: 46000 Cahors, 46100 Figeac
48 Lozère: 48000 Mende, 48200 Saint-Chély-d'Apcher
65 Hautes-Pyrénées: 65000 Tarbes, 65100 Lourdes
66 Pyrénées-Orientales: 66000 Perpignan, 66400 Céret
81 Tarn: 81000 Albi, 81100 Castres
82 Tarn-et-Garonne: 82000 Montauban, 82100 Castelsarrasin
Pays de la Loire
44 Loire-Atlantique: 44000 Nantes, 44300 Nantes, 44600 Saint-Nazaire
49 Maine-et-Loire: 49000 Angers, 49300 Cholet, 49400 Saumur
53 Mayenne: 53000 Laval, 53200 Château-Gontier-sur-Mayenne
72 Sarthe: 72000 Le Mans, 72200 La Flèche
85 Vendée: 85000 La Roche-sur-Yon, 85100 Les Sables-d'Olonne
Provence-Alpes-Côte d'Azur
04 Alpes-de-Haute-Provence: 04000 Digne-les-Bains, 04100 Manosque
05 Hautes-Alpes: 05000 Gap, 05100 Briançon
06 Alpes-Maritimes: 06000 Nice, 06400 Cannes, 06600 Antibes
13 Bouches-du-Rhône: 13001 Marseille, 13008 Marseille, 13100 Aix-en-Provence, 13200 Arles
83 Var: 83000 Toulon, 83300 Draguignan, 83700 Saint-Raphaël
84 Vaucluse: 84000 Avignon, 84300 Cavaillon
"""

# Where companies are: a département's weight (default 1) among all.
_WEIGHTS = {
    "75": 10, "92": 6, "69": 5, "13": 5, "59": 5, "31": 4, "33": 4, "44": 3, "67": 3, "06": 3,
    "34": 3, "35": 3, "93": 3, "94": 3, "78": 3, "91": 2, "77": 2, "95": 2, "38": 2, "76": 2, "62": 2,
}  # fmt: skip


@dataclass(frozen=True)
class Town:
    postal_code: str
    name: str
    departement: str  # code


@dataclass(frozen=True)
class Departement:
    code: str
    name: str
    region: str
    towns: tuple[Town, ...]
    weight: int


def _parse() -> list[Departement]:
    departements: list[Departement] = []
    region = ""
    for line in _REGIONS.strip().splitlines():
        if ":" not in line:
            region = line.strip()
            continue
        head, towns_text = line.split(":", 1)
        code, name = head.split(" ", 1)
        towns = tuple(
            Town(postal_code=item.strip()[:5], name=item.strip()[6:], departement=code)
            for item in towns_text.split(",")
        )
        departements.append(Departement(code, name, region, towns, _WEIGHTS.get(code, 1)))
    return departements


DEPARTEMENTS: list[Departement] = _parse()
REGIONS: list[str] = list(dict.fromkeys(d.region for d in DEPARTEMENTS))

FIRST_NAMES_F = (
    "Marie",
    "Nathalie",
    "Isabelle",
    "Sylvie",
    "Catherine",
    "Sophie",
    "Christine",
    "Valérie",
    "Sandrine",
    "Céline",
    "Stéphanie",
    "Julie",
    "Aurélie",
    "Émilie",
    "Camille",
    "Laura",
    "Manon",
    "Léa",
    "Chloé",
    "Sarah",
    "Pauline",
    "Claire",
    "Hélène",
    "Anne",
    "Caroline",
    "Élodie",
    "Mathilde",
    "Lucie",
    "Juliette",
    "Inès",
    "Amandine",
    "Laurence",
    "Véronique",
    "Agnès",
    "Françoise",
    "Virginie",
    "Charlotte",
    "Margaux",
    "Nadia",
    "Fatima",
)
FIRST_NAMES_M = (
    "Jean",
    "Philippe",
    "Michel",
    "Alain",
    "Nicolas",
    "Christophe",
    "Pierre",
    "Laurent",
    "Frédéric",
    "Stéphane",
    "David",
    "Éric",
    "Julien",
    "Sébastien",
    "Thomas",
    "Olivier",
    "Vincent",
    "François",
    "Patrick",
    "Guillaume",
    "Antoine",
    "Maxime",
    "Alexandre",
    "Romain",
    "Hugo",
    "Lucas",
    "Mathieu",
    "Benoît",
    "Jérôme",
    "Cédric",
    "Thierry",
    "Bruno",
    "Didier",
    "Fabrice",
    "Karim",
    "Mehdi",
    "Yannick",
    "Arnaud",
    "Damien",
    "Xavier",
)
LAST_NAMES = (
    "Martin",
    "Bernard",
    "Thomas",
    "Petit",
    "Robert",
    "Richard",
    "Durand",
    "Dubois",
    "Moreau",
    "Laurent",
    "Simon",
    "Michel",
    "Lefèvre",
    "Leroy",
    "David",
    "Bertrand",
    "Morel",
    "Fournier",
    "Girard",
    "Bonnet",
    "Dupont",
    "Lambert",
    "Fontaine",
    "Rousseau",
    "Vincent",
    "Muller",
    "Lefebvre",
    "Faure",
    "André",
    "Mercier",
    "Blanc",
    "Guérin",
    "Boyer",
    "Garnier",
    "Chevalier",
    "François",
    "Legrand",
    "Gauthier",
    "Garcia",
    "Perrin",
    "Robin",
    "Clément",
    "Morin",
    "Nicolas",
    "Henry",
    "Roussel",
    "Mathieu",
    "Gautier",
    "Masson",
    "Marchand",
    "Duval",
    "Denis",
    "Dumont",
    "Marie",
    "Lemaire",
    "Noël",
    "Meyer",
    "Dufour",
    "Meunier",
    "Brun",
    "Blanchard",
    "Giraud",
    "Joly",
    "Rivière",
    "Lucas",
    "Brunet",
    "Gaillard",
    "Barbier",
    "Arnaud",
    "Martinez",
    "Gérard",
    "Roche",
    "Renard",
    "Schmitt",
    "Roy",
    "Leroux",
    "Colin",
    "Vidal",
    "Caron",
    "Picard",
    "Roger",
    "Fabre",
    "Aubert",
    "Lemoine",
    "Renaud",
    "Dumas",
    "Lacroix",
    "Olivier",
    "Philippe",
    "Bourgeois",
    "Pierre",
    "Benoît",
    "Rey",
    "Leclerc",
    "Payet",
    "Rolland",
    "Leclercq",
    "Guillaume",
    "Lecomte",
    "Lopez",
    "Jean",
    "Dupuy",
    "Guillot",
    "Hubert",
    "Berger",
    "Carpentier",
    "Sanchez",
    "Dupuis",
    "Moulin",
    "Louis",
    "Deschamps",
    "Huet",
    "Vasseur",
    "Perez",
    "Boucher",
    "Fleury",
    "Royer",
    "Klein",
    "Jacquet",
    "Adam",
    "Paris",
    "Poirier",
    "Marty",
    "Aubry",
    "Guyot",
    "Carré",
    "Charles",
    "Renault",
    "Charpentier",
    "Ménard",
    "Maillard",
    "Baron",
    "Bertin",
    "Bailly",
    "Hervé",
    "Schneider",
    "Fernandez",
    "Collet",
    "Léger",
    "Bouvier",
    "Julien",
    "Prévost",
    "Millet",
    "Perrot",
    "Daniel",
    "Cousin",
    "Germain",
    "Breton",
    "Besson",
    "Langlois",
    "Rémy",
    "Pelletier",
    "Lévêque",
    "Perrier",
    "Leblanc",
    "Barré",
    "Lebrun",
    "Marchal",
    "Weber",
    "Mallet",
    "Hamon",
    "Boulanger",
    "Jacob",
    "Monnier",
    "Michaud",
    "Rodriguez",
    "Guichard",
    "Gillet",
    "Étienne",
    "Grondin",
    "Poulain",
    "Tessier",
    "Chevallier",
    "Collin",
    "Chauvin",
    "Bouchet",
    "Gay",
    "Lemaître",
    "Bénard",
    "Maréchal",
    "Gomez",
    "Haddad",
    "Benali",
    "Le Gall",
    "Le Roux",
    "Le Goff",
    "Da Silva",
)

# Activities: words for a company name and the NAF codes of that trade (checked against the official list).
ACTIVITIES = [
    ("Transports", ("49.41A", "49.41B", "52.29A")),
    ("Boulangerie", ("10.71C", "10.71D")),
    ("Menuiserie", ("16.23Z", "43.32A")),
    ("Plomberie", ("43.22A",)),
    ("Électricité", ("43.21A",)),
    ("Informatique", ("62.01Z", "62.02A", "62.09Z")),
    ("Conseil", ("70.22Z", "69.20Z")),
    ("Imprimerie", ("18.12Z", "18.13Z")),
    ("Mécanique", ("25.62B", "28.29B", "33.12Z")),
    ("Logistique", ("52.10B", "52.29B")),
    ("Hôtellerie", ("55.10Z",)),
    ("Restauration", ("56.10A", "56.10C")),
    ("Pharmacie", ("47.73Z",)),
    ("Bâtiment", ("41.20A", "41.20B", "43.99C")),
    ("Énergie", ("35.11Z", "35.14Z", "43.21A")),
    ("Agroalimentaire", ("10.13A", "10.51C", "10.89Z")),
    ("Distribution", ("46.90Z", "47.11D", "46.69B")),
    ("Fromagerie", ("10.51C",)),
    ("Chimie", ("20.59Z", "20.14Z")),
    ("Plasturgie", ("22.29A", "22.29B")),
    ("Textile", ("13.20Z", "14.13Z")),
    ("Automobiles", ("45.11Z", "45.20A")),
    ("Architecture", ("71.11Z",)),
    ("Ingénierie", ("71.12B",)),
    ("Nettoyage", ("81.21Z", "81.22Z")),
    ("Sécurité", ("80.10Z",)),
    ("Formation", ("85.59A",)),
    ("Immobilier", ("68.31Z", "68.20B")),
    ("Assurances", ("66.22Z",)),
    ("Vins", ("11.02B", "46.34Z")),
    ("Paysages", ("81.30Z",)),
    ("Communication", ("73.11Z", "70.21Z")),
]
NAME_PREFIXES = ("Groupe", "Société", "Établissements", "Atelier", "Compagnie", "Cabinet", "Maison", "")
PLACE_WORDS = (
    "du Berry", "de l'Ouest", "du Sud", "Atlantique", "Méditerranée", "des Alpes", "du Nord", "de Provence",
    "Rhône-Alpes", "de Bretagne", "du Centre", "d'Alsace", "de Normandie", "des Flandres", "du Jura",
    "Occitane", "Lorraine", "Champenoise", "du Léman", "Océane", "de Loire", "Pyrénées", "du Val",
)  # fmt: skip
STREETS = (
    "rue de la République", "avenue Jean Jaurès", "rue Victor Hugo", "boulevard Gambetta", "rue Pasteur",
    "place de la Mairie", "rue du Général de Gaulle", "avenue de la Gare", "rue des Écoles", "rue Nationale",
    "chemin des Vignes", "rue de l'Église", "avenue Foch", "rue Jules Ferry", "zone d'activités des Prés",
    "rue de la Paix", "quai de la Loire", "rue du Moulin", "allée des Tilleuls", "rue de Verdun",
)  # fmt: skip
JOB_TITLES = (
    ("Directeur général", "Direction"), ("Directrice générale", "Direction"), ("Gérant", "Direction"),
    ("Directeur administratif et financier", "Finance"), ("Comptable", "Finance"),
    ("Responsable des achats", "Achats"), ("Acheteuse", "Achats"), ("Acheteur", "Achats"),
    ("Directeur commercial", "Ventes"), ("Responsable commerciale", "Ventes"),
    ("Responsable informatique", "Informatique"), ("DSI", "Informatique"),
    ("Responsable logistique", "Logistique"), ("Responsable qualité", "Qualité"),
    ("Responsable RH", "Ressources humaines"), ("Assistante de direction", "Direction"),
    ("Chef de projet", "Projets"), ("Responsable marketing", "Marketing"),
    ("Directeur technique", "Technique"),
    ("Responsable de production", "Production"), ("Office manager", "Services généraux"), ("", ""),
)  # fmt: skip
TOPICS = ("Maintenance", "Logiciels", "Formation", "Financement", "Énergie", "RSE", "Export", "Cybersécurité")
PRODUCTS = (
    "Gamme Pro",
    "Contrat de service",
    "Abonnement Cloud",
    "Pièces détachées",
    "Audit",
    "Installation",
)
