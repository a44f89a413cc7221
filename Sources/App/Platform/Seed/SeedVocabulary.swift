import AVACore

/// The words synthetic calls are made of, written in each language (not translated word for word). Placeholders:
/// {first} {last} {last2} {word} {name} {business} {service} {day} {time} {topic} {street} {phone} {owner} (the owner's first name).
/// `weekdays` starts on Sunday.
/// `topics` is long on purpose and drawn unevenly (`SeedRandom.zipf`): searching for a word then finds
/// anything from most calls to a handful, as with real transcripts.
struct SeedVocabulary: Sendable {
    var firstNames: [String]
    var lastNames: [String]
    /// Business name patterns per industry.
    var orgNames: [String: [String]]
    var orgWords: [String]
    /// Why people call, per industry (the caller's words).
    var reasons: [String: [String]]
    var topics: [String]
    var streets: [String]
    var weekdays: [String]
    var callerHello: [String]
    var assistantAck: [String]
    /// Small talk: answer i answers question i; the first three are about a topic and may come back in one call.
    var fillerQuestions: [String]
    var fillerAnswers: [String]
    var offer: [String]
    var accept: [String]
    var bookedConfirm: [String]
    var messageOffer: [String]
    var messageDetail: [String]
    var messageConfirm: [String]
    var transferLines: [String]
    var infoLines: [String]
    var goodbyeCaller: [String]
    var goodbyeAssistant: [String]
    var summaryBooked: [String]
    var summaryMessage: [String]
    var summaryTransferred: [String]
    var summaryNone: [String]
    /// The name written when the caller gave none (lower-case: it can fall mid-sentence).
    var unknownCaller: String

    static func of(_ locale: AppLocale) -> SeedVocabulary {
        switch locale {
        case .fr: french
        case .en: english
        case .he: hebrew
        }
    }

    static let industries = ["health", "beauty", "legal", "consulting", "ecommerce", "realestate", "other"]

    // MARK: French

    static let french = SeedVocabulary(
        firstNames: ["Camille", "Louise", "Hugo", "Léo", "Manon", "Chloé", "Lucas", "Gabriel", "Inès", "Jade", "Arthur", "Nathan",
                     "Sarah", "Emma", "Raphaël", "Jules", "Alice", "Lina", "Adam", "Paul", "Zoé", "Théo", "Margaux", "Yasmine",
                     "Antoine", "Élodie", "Mathis", "Clémence", "Bernard", "Françoise", "Nicolas", "Sophie", "Karim", "Amandine",
                     "Maxime", "Pauline", "Thomas", "Juliette", "Baptiste", "Océane"],
        lastNames: ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau", "Simon",
                    "Laurent", "Lefebvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier", "Morel",
                    "Girard", "André", "Mercier", "Dupont", "Lambert", "Bonnet", "François", "Martinez", "Legrand", "Garnier",
                    "Faure", "Rousseau", "Blanc", "Guérin", "Muller", "Henry", "Roussel", "Nicolas", "Perrin"],
        orgNames: [
            "health": ["Dr {last}", "Cabinet médical {street}", "Dr {first} {last}", "Kinésithérapie {last}"],
            "beauty": ["Salon {first}", "L'Atelier de {first}", "Coiffure {last}", "Institut {word}"],
            "legal": ["Maître {last}", "{last} & Associés", "{last} Avocats", "Étude {last}"],
            "consulting": ["{last} Conseil", "Cabinet {word}", "{word} Stratégie", "{last} Partenaires"],
            "ecommerce": ["{word}.fr", "La Boutique {word}", "Maison {word}", "{word} & Co"],
            "realestate": ["{word} Immobilier", "Agence {last}", "{last} Immobilier", "Agence du {street}"],
            "other": ["{last} & Fils", "Garage {last}", "Atelier {word}", "Pressing {word}"],
        ],
        orgWords: ["Lumière", "Horizon", "Azur", "Capucine", "Mistral", "Olivier", "Bastide", "Lavande", "Marais", "Rivoli",
                   "Montmartre", "Belleville", "Garonne", "Vendôme", "Opale", "Cèdre", "Soleil", "Étoile", "Saint-Germain", "Presqu'île"],
        reasons: [
            "health": ["Je voudrais un rendez-vous, j'ai mal au dos depuis une semaine.", "C'est pour renouveler mon ordonnance.",
                       "Ma fille a de la fièvre depuis hier soir.", "J'aurais besoin d'un certificat médical pour le sport.",
                       "Je voudrais les résultats de ma prise de sang.", "J'ai besoin d'un rendez-vous pour un vaccin."],
            "beauty": ["Je voudrais une coupe et un brushing samedi si possible.", "Je souhaite refaire ma couleur, les racines se voient.",
                       "Est-ce que vous faites les mèches et le balayage ?", "J'ai un mariage le mois prochain, il me faudrait un chignon.",
                       "Je voudrais déplacer mon rendez-vous de jeudi.", "C'est pour une coupe homme, rapide."],
            "legal": ["J'ai reçu une lettre de mon propriétaire et je voudrais un avis.", "C'est au sujet de mon divorce, j'ai des questions sur la garde.",
                      "Mon employeur veut me licencier, je voudrais un rendez-vous.", "J'ai un litige avec un artisan qui n'a pas fini les travaux.",
                      "Je dois préparer une succession après le décès de mon père.", "Je voudrais faire relire un contrat avant de signer."],
            "consulting": ["Nous voudrions revoir notre stratégie commerciale pour l'an prochain.", "J'aimerais parler d'un accompagnement pour ma création d'entreprise.",
                           "Nous cherchons de l'aide pour notre passage au numérique.", "Je voudrais un devis pour un atelier avec mon équipe.",
                           "C'est au sujet de la facture du mois dernier.", "Je souhaite organiser un séminaire de direction."],
            "ecommerce": ["Ma commande n'est toujours pas arrivée.", "Je voudrais retourner un article, la taille ne va pas.",
                          "J'ai été débité deux fois pour la même commande.", "Le colis est arrivé abîmé.",
                          "Je voudrais savoir quand le produit sera de nouveau en stock.", "Je n'ai pas reçu ma facture."],
            "realestate": ["J'appelle pour l'appartement de trois pièces que j'ai vu sur votre site.", "Je voudrais faire estimer ma maison.",
                           "Est-ce que le studio est toujours disponible à la location ?", "Je cherche un local commercial dans le quartier.",
                           "Je voudrais visiter la maison avec jardin ce week-end.", "C'est au sujet du dossier de location que j'ai envoyé."],
            "other": ["Je voudrais prendre rendez-vous.", "Je voulais connaître vos horaires d'ouverture.",
                      "C'est pour un devis.", "Ma voiture fait un bruit bizarre au freinage.",
                      "Je voudrais savoir si ma commande est prête.", "Je voudrais parler au responsable."],
        ],
        topics: ["l'ordonnance", "la facture", "le parking", "le devis", "le remboursement", "la mutuelle", "le colis",
                 "la livraison", "l'acompte", "l'annulation", "le retard", "l'adresse", "l'ascenseur", "l'accessibilité",
                 "le tarif", "la garantie", "la carte vitale", "l'attestation", "le virement", "le chèque",
                 "le paiement en plusieurs fois", "le certificat", "la radiographie", "l'analyse", "l'allergie",
                 "la kinésithérapie", "le shampoing", "la couleur", "la frange", "la barbe", "le lissage", "la permanente",
                 "la manucure", "le contrat", "le bail", "la caution", "le préavis", "le licenciement", "les prud'hommes",
                 "la succession", "le notaire", "le divorce", "la pension", "le tribunal", "l'audience", "la mise en demeure",
                 "l'assurance", "le sinistre", "l'expertise", "le diagnostic", "le cadastre", "la copropriété", "les charges",
                 "le syndic", "le mandat", "le compromis", "la visite virtuelle", "le balcon", "la terrasse", "la cave",
                 "le garage", "le jardin", "la piscine", "le chauffage", "l'isolation", "les fenêtres", "la cuisine",
                 "la salle de bains", "le déménagement", "l'étiquette", "la taille", "le coloris", "le stock", "la précommande",
                 "le code promo", "la carte de fidélité", "l'échange", "le retour", "le suivi", "le transporteur",
                 "le point relais", "l'emballage", "le numéro de commande", "la formation", "le séminaire", "l'atelier",
                 "l'audit", "le budget", "le recrutement", "la subvention", "la comptabilité", "le bilan", "la trésorerie",
                 "la prospection", "le site internet", "le référencement", "la vitrine", "les clés", "le badge", "le digicode",
                 "l'interphone", "le plombier", "l'électricien", "la vidange", "les pneus", "le contrôle technique",
                 "la carrosserie", "le pressing", "la retouche", "l'ourlet", "le costume", "la robe de mariée", "l'anniversaire",
                 "le bon cadeau", "les vacances", "la fermeture estivale", "le jour férié", "la grève", "la neige",
                 "les travaux dans la rue", "le Wi-Fi", "la photocopie", "l'arrêt de travail", "la téléconsultation",
                 "l'ostéopathe", "l'orthodontie", "les lunettes", "les lentilles", "le podologue"],
        streets: ["rue de Rivoli", "boulevard Voltaire", "rue de la République", "avenue Jean-Jaurès", "place du Marché",
                  "rue Victor-Hugo", "cours Mirabeau", "quai des Chartrons", "rue Nationale", "avenue de la Gare"],
        weekdays: ["dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"],
        callerHello: ["Bonjour, {name} à l'appareil.", "Oui bonjour, c'est {name}.", "Bonjour madame, je m'appelle {name}.",
                      "Allô, bonjour, ici {name}."],
        assistantAck: ["Bien sûr, je m'en occupe.", "Je comprends, je regarde ce que je peux faire.", "D'accord, merci pour ces précisions.",
                       "Très bien, je note."],
        fillerQuestions: ["Est-ce qu'il faut prévoir quelque chose pour {topic} ?", "Et pour {topic}, comment ça se passe ?",
                          "J'avais aussi une question concernant {topic}.", "Vous pouvez me rappeler l'adresse ? C'est bien {street} ?",
                          "Il y a de quoi se garer à côté ?", "Vous acceptez la carte bancaire ?"],
        fillerAnswers: ["Pas d'inquiétude pour {topic}, c'est prévu.", "Pour {topic}, {owner} vous expliquera tout sur place.",
                        "Je note votre question concernant {topic}, on vous répondra par SMS.", "Oui, c'est bien {street}, au rez-de-chaussée.",
                        "Il y a un parking public à deux minutes, {street}.", "Oui, la carte bancaire et les espèces sont acceptées."],
        offer: ["Je peux vous proposer {day} à {time} pour une {service}. Cela vous convient ?",
                "J'ai une place {day} à {time} pour la {service}. Je vous la réserve ?",
                "Le premier créneau libre pour une {service} est {day} à {time}."],
        accept: ["Oui, c'est parfait.", "{day} à {time}, ça me va très bien.", "Oui, je prends.", "Parfait, merci beaucoup."],
        bookedConfirm: ["C'est noté : {service} {day} à {time}. Vous allez recevoir un SMS de confirmation.",
                        "Votre rendez-vous est confirmé {day} à {time}. Un SMS de rappel vous sera envoyé la veille."],
        messageOffer: ["{owner} n'est pas disponible pour le moment, je peux prendre un message.",
                       "Je ne peux pas vous passer {owner} tout de suite, voulez-vous laisser un message ?"],
        messageDetail: ["Oui, dites-lui de me rappeler au {phone}, c'est pour {topic}.",
                        "Pouvez-vous lui dire que j'ai appelé pour {topic} ? Mon numéro est le {phone}.",
                        "Rappelez-moi avant {day} si possible, c'est urgent, concernant {topic}."],
        messageConfirm: ["C'est noté, {owner} vous rappellera au {phone} dès que possible.",
                         "J'ai bien pris votre message, il sera transmis aujourd'hui."],
        transferLines: ["Je vous mets en relation avec {owner}, ne quittez pas.", "Un instant, je vous passe quelqu'un de l'équipe."],
        infoLines: ["Nous sommes ouverts du lundi au vendredi, de 9 h à 18 h 30.", "Nous sommes {street}, à côté de la pharmacie.",
                    "Les tarifs sont affichés sur notre site, la {service} est à partir de 30 euros."],
        goodbyeCaller: ["Merci, bonne journée.", "Merci beaucoup, au revoir.", "Parfait, merci, à bientôt."],
        goodbyeAssistant: ["Je vous en prie, bonne journée !", "Au revoir et à bientôt.", "Merci de votre appel, bonne fin de journée."],
        summaryBooked: ["{name} a réservé une {service} {day} à {time}.", "Rendez-vous pris pour {name} : {service}, {day} à {time}."],
        summaryMessage: ["{name} a laissé un message concernant {topic} et souhaite être rappelé.",
                         "Message laissé par {name} : question concernant {topic}, rappeler au {phone}."],
        summaryTransferred: ["{name} a demandé à parler à quelqu'un et a été transféré.", "{name} a été transféré à l'équipe, concernant {topic}."],
        summaryNone: ["{name} s'est renseigné concernant {topic} ; aucune suite à donner.", "Demande d'information ({name}) : horaires, {topic}."],
        unknownCaller: "un appelant")

    // MARK: English

    static let english = SeedVocabulary(
        firstNames: ["Olivia", "Emma", "Liam", "Noah", "Ava", "Sophia", "James", "Mason", "Isabella", "Mia", "Ethan", "Lucas",
                     "Amelia", "Harper", "Benjamin", "Elijah", "Evelyn", "Abigail", "Michael", "Daniel", "Emily", "Madison", "Jacob",
                     "Logan", "Chloe", "Grace", "Jackson", "Aiden", "Layla", "Nora", "Carlos", "Priya", "Wei", "Fatima", "Dmitri",
                     "Keisha", "Tyler", "Brooke", "Marcus", "Hannah"],
        lastNames: ["Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
                    "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin",
                    "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson", "Walker",
                    "Young", "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores"],
        orgNames: [
            "health": ["Dr. {last} Family Practice", "{street} Medical", "{last} Pediatrics", "{word} Physical Therapy"],
            "beauty": ["{first}'s Hair Studio", "{word} Salon", "The {word} Barbershop", "{last} Beauty Bar"],
            "legal": ["{last} Law", "{last} & {last2} LLP", "{word} Legal Group", "Law Office of {first} {last}"],
            "consulting": ["{last} Consulting", "{word} Advisors", "{word} Partners", "{last} Strategy Group"],
            "ecommerce": ["{word} Goods", "{word} Supply Co.", "Shop {word}", "{word} & Co."],
            "realestate": ["{last} Realty", "{word} Homes", "{word} Properties", "{last} Real Estate"],
            "other": ["{last} Auto Repair", "{word} Cleaners", "{last} Plumbing", "{word} Pet Care"],
        ],
        orgWords: ["Hudson", "Brooklyn", "Maple", "Cedar", "Liberty", "Summit", "Harbor", "Evergreen", "Union", "Lakeside",
                   "Riverside", "Madison", "Chelsea", "Empire", "Bayview", "Oak", "Willow", "Sterling", "Northside", "Greenpoint"],
        reasons: [
            "health": ["I'd like to make an appointment, my back has been hurting for a week.", "I need a refill on my prescription.",
                       "My son has had a fever since last night.", "I need a physical for a new job.",
                       "I'm calling about my blood test results.", "I'd like to get a flu shot."],
            "beauty": ["I'd like a cut and blow-dry on Saturday if you have anything.", "I need my color touched up, the roots are showing.",
                       "Do you do highlights and balayage?", "I have a wedding next month and need an updo.",
                       "I need to move my appointment on Thursday.", "Just a quick men's cut, please."],
            "legal": ["My landlord sent me a letter and I'd like some advice.", "It's about my divorce, I have questions about custody.",
                      "My employer is trying to fire me and I want to talk to a lawyer.", "I have a dispute with a contractor who didn't finish the job.",
                      "I need help with my father's estate.", "I'd like someone to review a contract before I sign it."],
            "consulting": ["We'd like to rethink our sales strategy for next year.", "I'd like to talk about support for my startup.",
                           "We need help moving our operations online.", "I'd like a quote for a workshop with my team.",
                           "It's about last month's invoice.", "We're planning a leadership offsite."],
            "ecommerce": ["My order still hasn't arrived.", "I'd like to return an item, it doesn't fit.",
                          "I was charged twice for the same order.", "The package arrived damaged.",
                          "When will the product be back in stock?", "I never got my receipt."],
            "realestate": ["I'm calling about the two-bedroom apartment on your website.", "I'd like to get my house appraised.",
                           "Is the studio still available to rent?", "I'm looking for a retail space in the neighborhood.",
                           "I'd like to see the house with the backyard this weekend.", "It's about the rental application I sent."],
            "other": ["I'd like to book an appointment.", "What are your opening hours?", "I'd like a quote.",
                      "My car makes a weird noise when I brake.", "Is my order ready for pickup?", "I'd like to speak with the manager."],
        ],
        topics: ["prescription", "invoice", "parking", "quote", "refund", "insurance", "package", "delivery", "deposit", "cancellation",
                 "delay", "address", "elevator", "wheelchair access", "price", "warranty", "copay", "referral", "wire transfer", "check",
                 "payment plan", "certificate", "x-ray", "lab work", "allergy", "physical therapy", "shampoo", "color", "bangs", "beard",
                 "keratin", "perm", "manicure", "contract", "lease", "security deposit", "notice", "termination", "small claims", "estate",
                 "notary", "custody", "alimony", "court date", "hearing", "demand letter", "claim", "adjuster", "inspection", "appraisal",
                 "survey", "HOA", "closing costs", "mortgage", "listing", "offer", "virtual tour", "balcony", "patio", "basement", "garage",
                 "backyard", "pool", "heating", "insulation", "windows", "kitchen", "bathroom", "moving", "label", "size", "color option",
                 "inventory", "pre-order", "promo code", "loyalty points", "exchange", "return", "tracking number", "carrier", "pickup point",
                 "packaging", "order number", "training", "offsite", "workshop", "audit", "budget", "hiring", "grant", "bookkeeping",
                 "tax return", "cash flow", "lead generation", "website", "SEO", "storefront", "keys", "key fob", "gate code", "buzzer",
                 "plumber", "electrician", "oil change", "tires", "smog check", "body work", "dry cleaning", "alterations", "hem", "suit",
                 "wedding dress", "birthday", "gift card", "vacation", "summer hours", "holiday", "snowstorm", "street work", "Wi-Fi",
                 "fax", "telehealth", "chiropractor", "braces", "glasses", "contact lenses", "podiatrist", "dental cleaning"],
        streets: ["Main Street", "Broadway", "Fifth Avenue", "Atlantic Avenue", "Court Street", "Bedford Avenue", "Park Place",
                  "Lexington Avenue", "Union Square", "Ocean Parkway"],
        weekdays: ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"],
        callerHello: ["Hi, this is {name}.", "Hello, my name is {name}.", "Hey, it's {name} calling.", "Good morning, this is {name}."],
        assistantAck: ["Of course, I can help with that.", "I understand, let me check.", "Thanks for the details.", "Sure, I'm noting that."],
        fillerQuestions: ["Do I need to bring anything for the {topic}?", "And how does the {topic} work?",
                          "I also had a question about the {topic}.", "Can you remind me of the address? Is it {street}?",
                          "Is there parking nearby?", "Do you take credit cards?"],
        fillerAnswers: ["No need to worry about the {topic}, it's covered.", "About the {topic}, {owner} will go over everything with you.",
                        "I've noted your question about the {topic}; we'll text you the answer.", "Yes, we're on {street}, ground floor.",
                        "There's a garage two minutes away on {street}.", "Yes, we take all major cards and Apple Pay."],
        offer: ["I can offer {day} at {time} for a {service}. Does that work for you?",
                "I have an opening {day} at {time} for the {service}. Shall I book it?",
                "The first available {service} is {day} at {time}."],
        accept: ["Yes, that's perfect.", "{day} at {time} works great.", "Sure, I'll take it.", "Great, thank you so much."],
        bookedConfirm: ["You're all set: {service} on {day} at {time}. You'll get a text to confirm.",
                        "Your appointment is confirmed for {day} at {time}. We'll text you a reminder the day before."],
        messageOffer: ["{owner} isn't available right now, but I can take a message.",
                       "I can't put you through to {owner} at the moment. Would you like to leave a message?"],
        messageDetail: ["Yes, please ask them to call me back at {phone}, it's about the {topic}.",
                        "Can you tell them I called about the {topic}? My number is {phone}.",
                        "Please have them call me before {day}, it's urgent, about the {topic}."],
        messageConfirm: ["Got it, {owner} will call you back at {phone} as soon as possible.",
                         "I've taken your message and it will be passed on today."],
        transferLines: ["I'll connect you with {owner} now, please hold.", "One moment, I'm transferring you to someone on the team."],
        infoLines: ["We're open Monday through Friday, nine to five.", "We're on {street}, next to the pharmacy.",
                    "Prices are on our website; a {service} starts at thirty dollars."],
        goodbyeCaller: ["Thanks, have a good day.", "Thank you, bye.", "Perfect, thanks, see you soon."],
        goodbyeAssistant: ["You're welcome, have a great day!", "Goodbye, talk soon.", "Thanks for calling, take care."],
        summaryBooked: ["{name} booked a {service} on {day} at {time}.", "Appointment made for {name}: {service}, {day} at {time}."],
        summaryMessage: ["{name} left a message about the {topic} and would like a call back.",
                         "Message from {name}: question about the {topic}, call back at {phone}."],
        summaryTransferred: ["{name} asked to speak to someone and was transferred.", "Call from {name} transferred to the team ({topic})."],
        summaryNone: ["{name} asked about the {topic}; no follow-up needed.", "Information request from {name} (hours, {topic})."],
        unknownCaller: "a caller")

    // MARK: Hebrew

    static let hebrew = SeedVocabulary(
        firstNames: ["נועה", "תמר", "מאיה", "יעל", "שירה", "אביגיל", "אורי", "איתי", "יונתן", "דניאל", "נועם", "אריאל",
                     "עומר", "רון", "מיכל", "רותם", "הילה", "עדי", "ליאור", "גיא", "אלון", "שני", "טל", "עידו", "רוני",
                     "דנה", "אליה", "משה", "שרה", "יוסף", "מוחמד", "לילא", "אחמד", "רים", "אנה", "דמיטרי", "חנה", "אהרון",
                     "ורד", "יגאל"],
        lastNames: ["כהן", "לוי", "מזרחי", "פרץ", "ביטון", "דהן", "אברהם", "פרידמן", "אגבאריה", "מלכה", "אזולאי", "כץ",
                    "יוסף", "דוד", "עמר", "אוחיון", "חדד", "גבאי", "בן דוד", "שפירא", "רוזנברג", "גולדברג", "אלון",
                    "ברק", "שלום", "נחום", "חביב", "סויסה", "קליין", "וייס", "זילברמן", "טל", "שמעוני", "בר", "חורי",
                    "סעדה", "נסים", "ששון", "הלוי", "אשכנזי"],
        orgNames: [
            "health": ["מרפאת ד״ר {last}", "ד״ר {first} {last}", "מרכז רפואי {word}", "פיזיותרפיה {last}"],
            "beauty": ["הסלון של {first}", "סטודיו {word}", "מספרת {last}", "{first} עיצוב שיער"],
            "legal": ["{last} ושות׳", "משרד עורכי דין {last}", "{last} את {last2}", "עו״ד {first} {last}"],
            "consulting": ["{last} ייעוץ", "{word} אסטרטגיה", "{word} שותפים", "{last} ניהול פרויקטים"],
            "ecommerce": ["{word} שופ", "החנות של {first}", "{word} מוצרים", "בית {word}"],
            "realestate": ["{last} נדל״ן", "{word} נכסים", "סוכנות {word}", "{last} תיווך"],
            "other": ["מוסך {last}", "ניקוי יבש {word}", "{last} אינסטלציה", "{word} וטרינריה"],
        ],
        orgWords: ["הכרמל", "השרון", "הגליל", "נחלת", "ירושלים", "יפו", "הדר", "גליל ים", "אלמוג", "תמר", "רימון", "זית",
                   "ערבה", "גפן", "מגדל", "נווה", "שקד", "כינרת", "דקל", "אורן"],
        reasons: [
            "health": ["הייתי רוצה לקבוע תור, כואב לי הגב כבר שבוע.", "אני צריכה לחדש מרשם.", "לבן שלי יש חום מאתמול בלילה.",
                       "אני צריך אישור רפואי לחדר כושר.", "אני מתקשרת לגבי תוצאות בדיקת הדם.", "רציתי לקבוע תור לחיסון שפעת."],
            "beauty": ["רציתי תספורת ופן ביום שישי אם יש מקום.", "אני צריכה לחדש צבע, השורשים כבר רואים.",
                       "אתם עושים גוונים ובלייאז׳?", "יש לי חתונה בחודש הבא ואני צריכה תסרוקת.",
                       "אני צריכה להזיז את התור של יום חמישי.", "רק תספורת גברים קצרה, בבקשה."],
            "legal": ["קיבלתי מכתב מבעל הדירה ואני רוצה ייעוץ.", "זה לגבי הגירושים שלי, יש לי שאלות על משמורת.",
                      "המעסיק רוצה לפטר אותי ואני רוצה לדבר עם עורך דין.", "יש לי סכסוך עם קבלן שלא סיים את העבודה.",
                      "אני צריך עזרה עם הירושה של אבא שלי.", "הייתי רוצה שמישהו יעבור על חוזה לפני שאני חותם."],
            "consulting": ["אנחנו רוצים לבנות מחדש את אסטרטגיית המכירות לשנה הבאה.", "רציתי לדבר על ליווי לסטארט-אפ שלי.",
                           "אנחנו צריכים עזרה במעבר לדיגיטל.", "אשמח להצעת מחיר לסדנה לצוות.",
                           "זה לגבי החשבונית של החודש שעבר.", "אנחנו מתכננים כנס הנהלה."],
            "ecommerce": ["ההזמנה שלי עדיין לא הגיעה.", "אני רוצה להחזיר פריט, המידה לא מתאימה.", "חייבו אותי פעמיים על אותה הזמנה.",
                          "החבילה הגיעה פגומה.", "מתי המוצר יחזור למלאי?", "לא קיבלתי חשבונית."],
            "realestate": ["אני מתקשר לגבי דירת שלושה חדרים שראיתי באתר.", "הייתי רוצה הערכת שווי לדירה שלי.",
                           "הסטודיו עדיין פנוי להשכרה?", "אני מחפשת חנות להשכרה בשכונה.",
                           "רציתי לראות את הבית עם הגינה בסוף השבוע.", "זה לגבי בקשת השכירות ששלחתי."],
            "other": ["רציתי לקבוע תור.", "מה שעות הפתיחה שלכם?", "אשמח להצעת מחיר.", "האוטו עושה רעש מוזר כשאני בולם.",
                      "ההזמנה שלי מוכנה לאיסוף?", "אפשר לדבר עם המנהל?"],
        ],
        topics: ["מרשם", "חשבונית", "חניה", "הצעת מחיר", "החזר כספי", "ביטוח משלים", "חבילה", "משלוח", "מקדמה", "ביטול", "עיכוב",
                 "כתובת", "מעלית", "נגישות", "מחיר", "אחריות", "השתתפות עצמית", "הפניה", "העברה בנקאית", "צ׳ק", "תשלומים", "אישור",
                 "צילום רנטגן", "בדיקת דם", "אלרגיה", "פיזיותרפיה", "שמפו", "צבע", "פוני", "זקן", "החלקה", "סלסול", "מניקור", "חוזה",
                 "שכירות", "ערבות", "הודעה מוקדמת", "פיטורים", "בית הדין לעבודה", "ירושה", "נוטריון", "משמורת", "מזונות", "בית משפט",
                 "דיון", "מכתב התראה", "תביעה", "שמאי", "בדק בית", "הערכת שווי", "טאבו", "ועד בית", "ארנונה", "משכנתא", "בלעדיות",
                 "זיכרון דברים", "סיור וירטואלי", "מרפסת", "ממ״ד", "מחסן", "חניה בטאבו", "גינה", "בריכה", "מזגן", "בידוד", "חלונות",
                 "מטבח", "מקלחת", "הובלה", "תווית", "מידה", "צבע אחר", "מלאי", "הזמנה מראש", "קוד קופון", "מועדון לקוחות", "החלפה",
                 "החזרה", "מספר מעקב", "חברת שליחויות", "נקודת איסוף", "אריזה", "מספר הזמנה", "הדרכה", "כנס", "סדנה", "ביקורת",
                 "תקציב", "גיוס עובדים", "מענק", "הנהלת חשבונות", "דוח שנתי", "תזרים מזומנים", "שיווק", "אתר אינטרנט", "קידום אתרים",
                 "חלון ראווה", "מפתחות", "צ׳יפ", "קוד לשער", "אינטרקום", "אינסטלטור", "חשמלאי", "החלפת שמן", "צמיגים", "טסט",
                 "פחחות", "ניקוי יבש", "תיקוני תפירה", "קיצור מכנסיים", "חליפה", "שמלת כלה", "יום הולדת", "שובר מתנה", "חופשה",
                 "שעות קיץ", "חג", "ערב חג", "עבודות בכביש", "וויי פיי", "פקס", "ייעוץ מרחוק", "כירופרקט", "יישור שיניים", "משקפיים",
                 "עדשות מגע", "פודיאטר", "ניקוי שיניים"],
        streets: ["רחוב הרצל", "שדרות רוטשילד", "רחוב יפו", "רחוב אלנבי", "דרך בגין", "רחוב ויצמן", "שדרות ירושלים", "רחוב הנביאים",
                  "רחוב בן יהודה", "דרך השלום"],
        weekdays: ["ראשון", "שני", "שלישי", "רביעי", "חמישי", "שישי", "שבת"],
        callerHello: ["שלום, מדברת {name}.", "היי, זה {name}.", "שלום, קוראים לי {name}.", "בוקר טוב, כאן {name}."],
        assistantAck: ["בטח, אני מטפלת בזה.", "הבנתי, אני בודקת מה אפשר לעשות.", "תודה על הפרטים.", "בסדר גמור, אני רושמת."],
        fillerQuestions: ["צריך להביא משהו בשביל {topic}?", "ואיך זה עובד עם {topic}?", "הייתה לי גם שאלה לגבי {topic}.",
                          "אפשר להזכיר לי את הכתובת? זה {street}?", "יש חניה קרובה?", "אפשר לשלם באשראי?"],
        fillerAnswers: ["אין מה לדאוג לגבי {topic}, זה מכוסה.", "לגבי {topic}, {owner} יסביר הכול במקום.",
                        "רשמתי את השאלה לגבי {topic}, נחזור אליך בהודעה.", "כן, אנחנו ב{street}, בקומת הקרקע.",
                        "יש חניון במרחק שתי דקות, ב{street}.", "כן, מקבלים את כל כרטיסי האשראי וגם ביט."],
        offer: ["אני יכולה להציע יום {day} בשעה {time} ל{service}. זה מתאים?", "יש מקום פנוי ביום {day} ב-{time} ל{service}. לשריין?",
                "התור הפנוי הראשון ל{service} הוא ביום {day} ב-{time}."],
        accept: ["כן, מצוין.", "יום {day} ב-{time} מתאים לי.", "כן, אני לוקחת.", "מעולה, תודה רבה."],
        bookedConfirm: ["נקבע: {service} ביום {day} בשעה {time}. תקבלו הודעת אישור ב-SMS.",
                        "התור אושר ליום {day} בשעה {time}. נשלח תזכורת יום לפני."],
        messageOffer: ["{owner} לא זמין כרגע, אפשר להשאיר הודעה.", "אני לא יכולה להעביר אל {owner} עכשיו. תרצו להשאיר הודעה?"],
        messageDetail: ["כן, שיחזרו אליי ל-{phone}, זה לגבי {topic}.", "אפשר להגיד שהתקשרתי בקשר ל{topic}? המספר שלי {phone}.",
                        "שיחזרו אליי לפני יום {day} אם אפשר, זה דחוף, בקשר ל{topic}."],
        messageConfirm: ["רשמתי, {owner} יחזור אליך ל-{phone} בהקדם.", "ההודעה נרשמה ותועבר עוד היום."],
        transferLines: ["אני מעבירה אותך אל {owner}, רק רגע.", "רגע אחד, אני מעבירה למישהו מהצוות."],
        infoLines: ["אנחנו פתוחים בימים ראשון עד חמישי, משמונה וחצי עד שש.", "אנחנו ב{street}, ליד בית המרקחת.",
                    "המחירים מופיעים באתר, {service} מתחיל ממאה שקלים."],
        goodbyeCaller: ["תודה, יום טוב.", "תודה רבה, ביי.", "מצוין, תודה, להתראות."],
        goodbyeAssistant: ["בשמחה, יום נעים!", "להתראות, נתראה בקרוב.", "תודה שהתקשרתם, שיהיה המשך יום טוב."],
        summaryBooked: ["{name} קבע/ה {service} ביום {day} בשעה {time}.", "נקבע תור ל{name}: {service}, יום {day} ב-{time}."],
        summaryMessage: ["{name} השאיר/ה הודעה בנושא {topic} ומבקש/ת שיחזרו.", "הודעה מ{name}: שאלה לגבי {topic}, לחזור ל-{phone}."],
        summaryTransferred: ["{name} ביקש/ה לדבר עם מישהו והשיחה הועברה.", "שיחה מ{name} הועברה לצוות ({topic})."],
        summaryNone: ["{name} שאל/ה על {topic}; אין צורך בהמשך טיפול.", "בקשת מידע מ{name} (שעות פתיחה, {topic})."],
        unknownCaller: "מתקשר/ת")
}
