-- One trigger per event: PostgreSQL allows transition tables only on single-event triggers.
CREATE TRIGGER search_movie_insert AFTER INSERT ON catalog_movie
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION search_movie_inserted();
CREATE TRIGGER search_movie_update AFTER UPDATE ON catalog_movie
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION search_movie_updated();

CREATE TRIGGER search_person_insert AFTER INSERT ON people_person
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION search_person_inserted();
CREATE TRIGGER search_person_update AFTER UPDATE ON people_person
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION search_person_updated();

CREATE TRIGGER search_credit_insert AFTER INSERT ON people_credit
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION search_movie_part_changed('cast');
CREATE TRIGGER search_credit_update AFTER UPDATE ON people_credit
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION search_movie_part_changed('cast');
CREATE TRIGGER search_credit_delete AFTER DELETE ON people_credit
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION search_movie_part_changed('cast');

CREATE TRIGGER search_cms_insert AFTER INSERT ON catalog_cmsdescription
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION search_movie_part_changed('desc');
CREATE TRIGGER search_cms_update AFTER UPDATE ON catalog_cmsdescription
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION search_movie_part_changed('desc');
CREATE TRIGGER search_cms_delete AFTER DELETE ON catalog_cmsdescription
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION search_movie_part_changed('desc');

CREATE TRIGGER search_override_insert AFTER INSERT ON overrides_descriptionoverride
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION search_movie_part_changed('desc');
CREATE TRIGGER search_override_update AFTER UPDATE ON overrides_descriptionoverride
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION search_movie_part_changed('desc');
CREATE TRIGGER search_override_delete AFTER DELETE ON overrides_descriptionoverride
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION search_movie_part_changed('desc');

-- Documents go with their movie or person, however it is deleted (a trigger, not a foreign key:
-- an FK would check every document row the ETL writes).
CREATE TRIGGER search_movie_delete AFTER DELETE ON catalog_movie
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION search_movie_deleted();
CREATE TRIGGER search_person_delete AFTER DELETE ON people_person
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION search_person_deleted();

-- Documents for the rows that exist already.
SELECT search_refresh_people(ARRAY(SELECT id FROM people_person));
SELECT search_refresh_movies(ARRAY(SELECT id FROM catalog_movie));
