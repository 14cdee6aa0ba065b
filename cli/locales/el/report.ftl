# Η έκθεση δεικτών ως σελίδα HTML (`report indicators --format html`).
report-html-foot = Υπολογίστηκε από το αρχείο ως τη θέση { $position }, κατακερματισμός κεφαλής { $hash } (έκδοση ορισμών { $version }).
report-html-zeros-left-out = Οι γραμμές χωρίς καταμέτρηση παραλείπονται (--zeros για να εμφανιστούν).
report-html-not-recorded = δεν καταγράφηκε
report-html-total = σύνολο
report-html-share = ποσοστό
report-html-count = πλήθος
report-html-yes = ναι
report-html-no = όχι
report-html-declined-to-answer = δεν απάντησε
report-html-vulnerable-groups = Ευάλωτες ομάδες: όσοι απάντησαν ναι, κατά φύλο
report-html-intakes-by-month = Υποδοχές ανά μήνα
report-html-by-outcome = Παραπομπές κατά έκβαση (όσες ολοκληρώθηκαν ή απέτυχαν ως τη λήξη της περιόδου)
report-html-days-to-answer = Ημέρες από την αποστολή ως την απάντηση (διάμεσος { $median })
report-html-cohorts = Παραπομπές που στάλθηκαν στην περίοδο, κατά ομάδα
report-html-sent = στάλθηκαν
report-html-accepted = αποδεκτές
report-html-declined = απορρίφθηκαν
report-html-completed = ολοκληρώθηκαν
report-html-failed = απέτυχαν
report-html-cancelled = ακυρώθηκαν
report-html-expired = έληξαν
report-html-acceptance = αποδοχή
report-html-completion = ολοκλήρωση
report-html-caseload-per-worker = Ανοιχτές υποθέσεις ανά επαγγελματία
report-html-operation = Πράξη ΕΚΤ+ { $programme } του { $centre } ({ $fund }, { $from } έως { $to })

# Η έκθεση δεικτών ως πίνακας (`report indicators`), δίπλα στα report-* του messages.ftl.
report-by-outcome = κατά έκβαση: { $outcomes }
report-opened-by-gender = άνοιξαν, κατά φύλο
report-closed-by-gender = έκλεισαν, κατά φύλο
