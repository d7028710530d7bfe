-- Up Migration

-- Renders stored before the fixes to src/issues/charset.ts and emails/ carry two defects readers see in the
-- archive (and would get in a week rendered and approved but not yet sent): the text "style" right after
-- </style> in <head>, which an HTML parser shows above the masthead, and a second <title> holding the
-- preheader right after the subject's. Both are exact sequences the old code wrote, so only they are taken
-- out; nothing else in the stored HTML changes. Running it again changes nothing.
UPDATE issues
SET html = regexp_replace(replace(html, '</style>style</head>', '</style></head>'), '(<title>[^<]*</title>)<title>[^<]*</title>', '\1')
WHERE html LIKE '%</style>style</head>%' OR html LIKE '%</title><title>%';
